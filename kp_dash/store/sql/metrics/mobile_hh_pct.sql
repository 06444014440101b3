-- metric: mobile_hh_pct (its label, unit, formula and components: mobile_hh_pct.toml beside this file)
create or replace view metric_mobile_hh_pct as
select 'weighted_value' as component, i.district_code, null::date as month_start,
       null::varchar as service_code, null::varchar as channel, null::varchar as sex,
       null::varchar as area, i.value * p.population as amount,
       concat_ws(', ', i.source, i.source_note) as source, i.year
from stg_indicators_current as i
join stg_eligible_population as p
    on p.district_code = i.district_code and p.service_code = 'all' and p.sex = 'all' and p.area = 'all'
where i.indicator = 'mobile_hh_pct' and i.grp = 'all'
union all
select 'population_weight', district_code, null::date, null::varchar, null::varchar, null::varchar,
       null::varchar, population, source, year
from stg_eligible_population
where service_code = 'all' and sex = 'all' and area = 'all'
