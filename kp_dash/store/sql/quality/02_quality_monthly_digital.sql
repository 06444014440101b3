-- view: quality_monthly_digital
-- grain: one row per district × service × month in which the district reported the service
-- formula: digital_transactions = Σ online + mobile app transactions;
--          seasonal_index = mean provincial digital transactions of the service in that calendar month (over the years present)
--          ÷ the mean of those twelve calendar-month means (1 = an average month; admissions in August–September are above 1);
--          deseasonalised = digital_transactions ÷ seasonal_index
-- unit: transactions; seasonal_index is a ratio
create or replace view quality_monthly_digital as
with monthly as (
    select district_code, service_code, month_start, digital_transactions
    from quality_completeness
    where received = 1
),
province as (
    select service_code, month_start, sum(digital_transactions) as total
    from monthly
    group by service_code, month_start
),
calendar as (
    select service_code, month(month_start) as calendar_month, avg(total) as mean_total
    from province
    group by service_code, month(month_start)
),
season as (
    select
        service_code,
        calendar_month,
        mean_total / nullif(avg(mean_total) over (partition by service_code), 0) as seasonal_index
    from calendar
)
select
    m.district_code,
    m.service_code,
    m.month_start,
    m.digital_transactions,
    s.seasonal_index,
    m.digital_transactions / nullif(s.seasonal_index, 0) as deseasonalised
from monthly as m
join season as s
    on s.service_code = m.service_code
   and s.calendar_month = month(m.month_start)
