-- metric: completion_rate_pct (its label, unit, formula and components: completion_rate_pct.toml beside this file)
create or replace view metric_completion_rate_pct as
select 'digital_attempts' as component, district_code, month_start, service_code, channel, sex, area,
       transactions + failed + abandoned as amount, source, year
from stg_events_rollup
where channel_kind = 'digital'
union all
select 'completed_attempts', district_code, month_start, service_code, channel, sex, area,
       transactions, source, year
from stg_events_rollup
where channel_kind = 'digital'
