-- view: stg_access_components
-- grain: one row per district × access indicator used in the access index
-- formula: latest year of each of mobile_hh_pct, literacy_pct, grid_light_pct, internet_use_pct,
--          computer_hh_pct, coverage_4g_pct (group 'all') that is loaded for every district; weight = Census 2023 population
-- unit: percent (value), people (weight)
create or replace view stg_access_components as
with candidates as (
    select *
    from stg_district_indicators
    where grp = 'all'
      and indicator in ('mobile_hh_pct', 'literacy_pct', 'grid_light_pct',
                        'internet_use_pct', 'computer_hh_pct', 'coverage_4g_pct')
      and value is not null
),
latest as (
    select indicator, max(year) as year
    from candidates
    group by indicator
),
complete as (
    select c.indicator, c.year
    from candidates as c
    join latest using (indicator, year)
    group by c.indicator, c.year
    having count(distinct c.district_code) = (select count(*) from districts)
)
select
    c.district_code,
    c.indicator,
    c.year,
    least(greatest(c.value, 0), 100) as value,
    p.population as weight,
    c.indicator || ': ' || c.source as source,
    c.source_kind,
    c.is_parent_estimate
from candidates as c
join complete using (indicator, year)
join population as p
    on p.district_code = c.district_code
   and p.census_year = 2023 and p.age_group = 'all' and p.sex = 'all' and p.area = 'all'
