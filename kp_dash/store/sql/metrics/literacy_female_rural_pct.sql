-- metric: literacy_female_rural_pct
-- grain: component × district
-- formula: 100 × literate rural women aged 10+ ÷ rural women aged 10+ (Census 2023 table 12)
-- unit: percent of rural women aged 10+
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
