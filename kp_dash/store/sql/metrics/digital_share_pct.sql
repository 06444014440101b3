-- metric: digital_share_pct (its label, unit, formula and components: digital_share_pct.toml beside this file)
create or replace view metric_digital_share_pct as
select 'digital_transactions' as component, district_code, month_start, service_code, channel, sex, area,
       case when channel_kind = 'digital' then transactions else 0 end as amount, source, year
from stg_usage
union all
select 'all_transactions', district_code, month_start, service_code, channel, sex, area,
       transactions, source, year
from stg_usage
