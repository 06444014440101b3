-- view: stg_access_components
-- grain: one row per district × access indicator used in the access index
-- formula: of mobile_hh_pct, literacy_pct, grid_light_pct, internet_use_pct, computer_hh_pct, coverage_4g_pct
--          (group 'all'), each in the latest year that covers every district (stg_indicators_current), clipped to
--          0–100; weight = Census 2023 population; the source names the indicator and its year
-- unit: percent (value), people (weight, with its own source and year)
create or replace view stg_access_components as
select
    c.district_code,
    c.indicator,
    c.year,
    least(greatest(c.value, 0), 100) as value,
    p.population as weight,
    c.indicator || ' (' || c.year || '): ' || concat_ws(', ', c.source, c.source_note) as source,
    c.source_kind,
    c.is_parent_estimate,
    p.source as weight_source,
    p.year as weight_year
from stg_indicators_current as c
join population as p
    on p.district_code = c.district_code
   and p.census_year = 2023 and p.age_group = 'all' and p.sex = 'all' and p.area = 'all'
where c.grp = 'all'
  and c.covers_all
  and c.indicator in ('mobile_hh_pct', 'literacy_pct', 'grid_light_pct',
                      'internet_use_pct', 'computer_hh_pct', 'coverage_4g_pct')
