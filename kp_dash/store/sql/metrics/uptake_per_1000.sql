-- metric: uptake_per_1000
-- grain: component × district × month × service × channel × sex × area; population rows have no month or channel and carry 'all' rows for service, sex and area
-- formula: 1000 × Σ digital transactions (online, mobile_app) in the period ÷ eligible population (all services together: total population)
-- unit: transactions per 1,000 eligible people
create or replace view metric_uptake_per_1000 as
select 'digital_transactions' as component, district_code, month_start, service_code, channel, sex, area,
       case when channel_kind = 'digital' then transactions else 0 end as amount, source, year
from stg_usage
union all
select 'eligible_population', district_code, null::date, service_code, null::varchar, sex, area,
       population, source, year
from stg_eligible_population
