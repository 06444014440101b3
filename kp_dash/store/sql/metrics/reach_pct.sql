-- metric: reach_pct (its label, unit, formula and components: reach_pct.toml beside this file)
create or replace view metric_reach_pct as
-- people reached by the transaction logs: one row per completed event with a reference
select 'people' as component, district_code, month_start, service_code, channel, sex, area,
       user_ref, null::bigint as amount, source, year
from stg_events
where status = 'completed' and user_ref is not null
union all
-- where monthly returns report users: a row with no person, so that their reach is shown
select 'people', district_code, month_start, service_code, channel, sex, area,
       null, null, source, year
from stg_usage
where users is not null and batch_id <> 'events'
union all
select 'users', district_code, month_start, service_code, channel, sex, area,
       null, users, source, year
from stg_usage
where users is not null and batch_id <> 'events'
union all
select 'eligible_population', district_code, null::date, service_code, null::varchar, sex, area,
       null, population, source, year
from stg_eligible_population
