-- metric: uptake_per_1000 (its label, unit, formula and components: uptake_per_1000.toml beside this file)
create or replace view metric_uptake_per_1000 as
select 'digital_transactions' as component, district_code, month_start, service_code, channel, sex, area,
       case when channel_kind = 'digital' then transactions else 0 end as amount, source, year
from stg_usage
union all
select 'eligible_population', district_code, null::date, service_code, null::varchar, sex, area,
       population, source, year
from stg_eligible_population
