-- metric: digital_share_pct
-- grain: component × district × month × service × channel × sex × area
-- formula: 100 × digital transactions ÷ all transactions (undefined, not 0, when there are none)
-- unit: percent of transactions
create or replace view metric_digital_share_pct as
select 'digital_transactions' as component, district_code, month_start, service_code, channel, sex, area,
       case when channel_kind = 'digital' then transactions else 0 end as amount, source, year
from stg_usage
union all
select 'all_transactions', district_code, month_start, service_code, channel, sex, area,
       transactions, source, year
from stg_usage
