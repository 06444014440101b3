-- metric: reach_pct
-- grain: component × district × month × service × channel × sex × area; population rows have no month or channel and carry 'all' rows for service, sex and area
-- formula: 100 × mean monthly unique users ÷ eligible population: users summed per month over the rows that report
--          them, averaged over the months that report users (monthly unique users cannot be added across months)
-- unit: percent of the eligible population
create or replace view metric_reach_pct as
select 'users' as component, district_code, month_start, service_code, channel, sex, area,
       users as amount, source, year
from stg_usage
where users is not null
union all
select 'eligible_population', district_code, null::date, service_code, null::varchar, sex, area,
       population, source, year
from stg_eligible_population
