-- view: quality_outlier_scores
-- grain: one row per district × service × month in which the district reported the service
-- formula: modified z = 0.6745 × (x − median) ÷ MAD, x = deseasonalised digital transactions, median and
--          MAD = median |x − median| over the same district × service's own months; when MAD = 0:
--          (x − median) ÷ (1.253314 × mean |x − median|), and 0 when that is 0 too (every month alike);
--          null with fewer than 6 months of history; expected = median × seasonal index
-- unit: z in robust standard deviations; expected in transactions
create or replace view quality_outlier_scores as
with centred as (
    select
        *,
        median(deseasonalised) over history as median_value,
        count(deseasonalised) over history as history_months
    from quality_monthly_digital
    window history as (partition by district_code, service_code)
),
spread as (
    select
        *,
        median(abs(deseasonalised - median_value)) over history as mad,
        avg(abs(deseasonalised - median_value)) over history as mean_ad,
        -- spreads below this are rounding noise from the division by the index, not variation
        1e-9 * greatest(abs(median_value), 1) as tiny
    from centred
    window history as (partition by district_code, service_code)
)
select
    district_code,
    service_code,
    month_start,
    digital_transactions,
    seasonal_index,
    deseasonalised,
    median_value,
    mad,
    mean_ad,
    history_months,
    median_value * seasonal_index as expected,
    case
        when history_months < 6 or deseasonalised is null then null
        when mad > tiny then 0.6745 * (deseasonalised - median_value) / mad
        when mean_ad > tiny then (deseasonalised - median_value) / (1.253314 * mean_ad)
        else 0.0
    end as z
from spread
