-- metric: reach_pct (its label, unit, formula and components: reach_pct.toml beside this file)
create or replace view metric_reach_pct as
select 'users' as component, district_code, month_start, service_code, channel, sex, area,
       users as amount, source, year
from stg_usage
where users is not null
union all
select 'eligible_population', district_code, null::date, service_code, null::varchar, sex, area,
       population, source, year
from stg_eligible_population
