-- metric: literacy_pct (its label, unit, formula and components: literacy_pct.toml beside this file)
create or replace view metric_literacy_pct as
select 'literate_10plus' as component, district_code, null::date as month_start,
       null::varchar as service_code, null::varchar as channel, sex, area,
       literate_10plus as amount, source, year
from literacy
union all
select 'population_10plus', district_code, null::date, null::varchar, null::varchar, sex, area,
       population_10plus, source, year
from literacy
