-- metric: assisted_share_pct (its label, unit, formula and components: assisted_share_pct.toml beside this file)
create or replace view metric_assisted_share_pct as
select 'assisted_transactions' as component, district_code, month_start, service_code, channel, sex, area,
       case when channel_kind = 'assisted' then transactions else 0 end as amount, source, year
from stg_usage
union all
select 'all_transactions', district_code, month_start, service_code, channel, sex, area,
       transactions, source, year
from stg_usage
