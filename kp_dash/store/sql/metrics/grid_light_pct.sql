-- metric: grid_light_pct (its label, unit, formula and components: grid_light_pct.toml beside this file)
create or replace view metric_grid_light_pct as
select 'households_grid_light' as component, district_code, null::date as month_start,
       null::varchar as service_code, null::varchar as channel, null::varchar as sex, area,
       households_grid_light as amount, source, year
from lighting
union all
select 'households', district_code, null::date, null::varchar, null::varchar, null::varchar, area,
       households, source, year
from lighting
