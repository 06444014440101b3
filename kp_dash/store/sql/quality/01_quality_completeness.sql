-- view: quality_completeness
-- grain: one row per district × month × service, every month from the first to the last month of the usage data, every service with any usage data
-- formula: expected = 1; received = 1 when the district has at least one usage row for the service and month, else 0;
--          rows, transactions (all channels) and digital transactions as received (transactions null when nothing was received: no data, never zero)
-- unit: expected and received in district-months; row_count in usage rows; transactions in transactions
create or replace view quality_completeness as
with months as (
    select unnest(generate_series(min(month_start), max(month_start), interval 1 month))::date
        as month_start
    from usage
),
services as (
    select distinct service_code from usage
),
received as (
    select
        district_code,
        month_start,
        service_code,
        count(*) as row_count,
        sum(transactions) as transactions,
        sum(case when channel_kind = 'digital' then transactions else 0 end) as digital_transactions
    from stg_usage
    group by district_code, month_start, service_code
)
select
    d.district_code,
    d.district_name,
    m.month_start,
    s.service_code,
    1 as expected,
    case when r.row_count is null then 0 else 1 end as received,
    coalesce(r.row_count, 0) as row_count,
    r.transactions,
    r.digital_transactions
from districts as d
cross join months as m
cross join services as s
left join received as r
    on r.district_code = d.district_code
   and r.month_start = m.month_start
   and r.service_code = s.service_code
