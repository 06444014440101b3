-- metric: grid_light_pct
-- grain: component × district × area ('all' rows are published totals)
-- formula: 100 × households lit by grid electricity ÷ all households (Census 2023 table 22; solar counted separately)
-- unit: percent of households
create or replace view metric_grid_light_pct as
select 'households_grid_light' as component, district_code, null::date as month_start,
       null::varchar as service_code, null::varchar as channel, null::varchar as sex, area,
       households_grid_light as amount, source, year
from lighting
union all
select 'households', district_code, null::date, null::varchar, null::varchar, null::varchar, area,
       households, source, year
from lighting
