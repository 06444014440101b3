-- view: quality_neighbours
-- grain: one row per district × service × month reported with both the month before and the month after reported
-- formula: ratio = deseasonalised digital transactions ÷ mean of the previous and the next month's deseasonalised
--          digital transactions (so a seasonal peak such as the September e-transfer window is in line);
--          neighbour_expected = that mean × this month's seasonal index
-- unit: transactions; ratio (1 = in line with the months either side)
create or replace view quality_neighbours as
with ordered as (
    select
        district_code,
        service_code,
        month_start,
        digital_transactions,
        seasonal_index,
        deseasonalised,
        lag(month_start) over series as previous_month,
        lag(digital_transactions) over series as previous_transactions,
        lag(deseasonalised) over series as previous_deseasonalised,
        lead(month_start) over series as next_month,
        lead(digital_transactions) over series as next_transactions,
        lead(deseasonalised) over series as next_deseasonalised
    from quality_monthly_digital
    window series as (partition by district_code, service_code order by month_start)
)
select
    district_code,
    service_code,
    month_start,
    digital_transactions,
    previous_transactions,
    next_transactions,
    seasonal_index * (previous_deseasonalised + next_deseasonalised) / 2.0 as neighbour_expected,
    deseasonalised / nullif((previous_deseasonalised + next_deseasonalised) / 2.0, 0) as ratio
from ordered
-- months either side must be the adjacent calendar months: a gap is no neighbour
where previous_month = month_start - interval 1 month
  and next_month = month_start + interval 1 month
