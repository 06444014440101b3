-- metric: literacy_female_rural_pct (its label, unit, formula and components: literacy_female_rural_pct.toml beside this file)
create or replace view metric_literacy_female_rural_pct as
select 'literate_10plus' as component, district_code, null::date as month_start,
       null::varchar as service_code, null::varchar as channel, null::varchar as sex,
       null::varchar as area, literate_10plus as amount, source, year
from literacy
where sex = 'female' and area = 'rural'
union all
select 'population_10plus', district_code, null::date, null::varchar, null::varchar, null::varchar,
       null::varchar, population_10plus, source, year
from literacy
where sex = 'female' and area = 'rural'
