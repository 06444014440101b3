-- metric: literacy_female_pct
-- grain: component × district × area ('all' rows are published totals)
-- formula: 100 × literate women aged 10+ ÷ women aged 10+ (Census 2023 table 12)
-- unit: percent of women aged 10+
create or replace view metric_literacy_female_pct as
select 'literate_10plus' as component, district_code, null::date as month_start,
       null::varchar as service_code, null::varchar as channel, null::varchar as sex, area,
       literate_10plus as amount, source, year
from literacy
where sex = 'female'
union all
select 'population_10plus', district_code, null::date, null::varchar, null::varchar, null::varchar,
       area, population_10plus, source, year
from literacy
where sex = 'female'
