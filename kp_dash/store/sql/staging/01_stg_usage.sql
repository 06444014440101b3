-- view: stg_usage
-- grain: one row per batch × month × district × service × channel × sex × area × age band ×
--        disability
-- formula: usage rows with their channel kind and their batch's source (demonstration data is labelled)
-- unit: transactions and users are counts
create or replace view stg_usage as
select
    u.batch_id,
    u.month_start,
    u.district_code,
    u.service_code,
    u.channel,
    c.channel_kind,
    u.sex,
    u.area,
    u.age_band,
    u.disability,
    u.transactions,
    u.users,
    b.source_kind,
    b.source,
    year(u.month_start) as year
from usage as u
join channels as c using (channel)
join usage_batches as b using (batch_id)
