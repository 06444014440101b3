-- metric: gender_parity (its label, unit, formula and components: gender_parity.toml beside this file)
create or replace view metric_gender_parity as
select sex || '_digital_transactions' as component, district_code, month_start, service_code, channel,
       null::varchar as sex, area,
       case when channel_kind = 'digital' then transactions else 0 end as amount, source, year
from stg_usage
where sex in ('female', 'male')
union all
select sex || '_population', district_code, null::date, service_code, null::varchar,
       null::varchar, area, population, source, year
from stg_eligible_population
where sex in ('female', 'male')
