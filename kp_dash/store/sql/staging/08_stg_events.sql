-- view: stg_events
-- grain: one row per accepted event (the transaction logs, scanned in place by the view `events`)
-- formula: each event with its channel kind and the logs' source (`usage_batches` row 'events')
-- unit: events
create or replace view stg_events as
select
    e.month_start,
    e.district_code,
    e.service_code,
    e.channel,
    c.channel_kind,
    e.sex,
    e.area,
    e.age_band,
    e.status,
    e.user_ref,
    b.source,
    year(e.month_start) as year
from events as e
join channels as c using (channel)
join usage_batches as b on b.batch_id = 'events'
