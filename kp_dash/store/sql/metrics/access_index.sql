-- metric: access_index (its label, unit, formula and components: access_index.toml beside this file)
create or replace view metric_access_index as
select 'weighted_value' as component, district_code, null::date as month_start,
       null::varchar as service_code, null::varchar as channel, null::varchar as sex,
       null::varchar as area, value * weight as amount, source, year
from stg_access_components
union all
select 'weight', district_code, null::date, null::varchar, null::varchar, null::varchar,
       null::varchar, weight, weight_source, weight_year
from stg_access_components
