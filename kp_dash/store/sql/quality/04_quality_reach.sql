-- view: quality_reach
-- grain: one row per district × service × month with users reported
-- formula: Σ users over the rows that report users, against the service's eligible population
--          (Census 2023, both sexes, urban and rural; null when the census has no such group for the district)
-- unit: people
create or replace view quality_reach as
select
    u.district_code,
    u.service_code,
    u.month_start,
    sum(u.users) as users,
    any_value(p.population) as eligible_population,
    list_sort(list(distinct u.batch_id)) as batch_ids
from stg_usage as u
left join stg_eligible_population as p
    on p.district_code = u.district_code
   and p.service_code = u.service_code
   and p.sex = 'all'
   and p.area = 'all'
where u.users is not null
group by u.district_code, u.service_code, u.month_start
