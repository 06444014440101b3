-- metric: gender_parity
-- grain: component × district × month × service × channel × area (sex is fixed by the definition); population rows have no month or channel and carry 'all' rows for service and area
-- formula: female uptake_per_1000 ÷ male uptake_per_1000, each on that sex's eligible population (parity 0.98–1.02)
-- unit: ratio (1 = parity)
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
