-- metric: female_share_pct (its label, unit, formula and components: female_share_pct.toml beside this file)
create or replace view metric_female_share_pct as
select 'female_digital_transactions' as component, district_code, month_start, service_code, channel,
       null::varchar as sex, area,
       case when sex = 'female' then transactions else 0 end as amount, source, year
from stg_usage
where channel_kind = 'digital' and sex in ('female', 'male')
union all
select 'female_male_digital_transactions', district_code, month_start, service_code, channel,
       null::varchar, area, transactions, source, year
from stg_usage
where channel_kind = 'digital' and sex in ('female', 'male')
