-- view: stg_events_rollup
-- grain: one row per month × district × service × channel × sex × area × age band of the accepted transaction logs
-- formula: the monthly rollup of events with its channel kind and the logs' source (`usage_batches` row 'events')
-- unit: counts of events and of people
create or replace view stg_events_rollup as
select
    r.month_start,
    r.district_code,
    r.service_code,
    r.channel,
    c.channel_kind,
    r.sex,
    r.area,
    r.age_band,
    r.transactions,
    r.failed,
    r.abandoned,
    r.users,
    b.source,
    year(r.month_start) as year
from events_rollup as r
join channels as c using (channel)
join usage_batches as b on b.batch_id = 'events'
