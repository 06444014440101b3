-- view: stg_eligible_population
-- grain: one row per district × service (plus service 'all') × sex (plus 'all') × area (plus 'all')
-- formula: Census 2023 population of each service's eligible age group; service 'all' is the total population (table 1)
-- unit: people
create or replace view stg_eligible_population as
select p.district_code, s.service_code, p.sex, p.area, p.population, p.source, p.year
from population as p
join services as s on p.age_group = s.population_age_group
where p.census_year = 2023
union all
select district_code, 'all' as service_code, sex, area, population, source, year
from population
where census_year = 2023 and age_group = 'all'
