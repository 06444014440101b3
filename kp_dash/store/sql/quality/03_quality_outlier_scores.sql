-- view: quality_outlier_scores
-- grain: one row per district × service × month in which the district reported the service
-- formula: modified z (Hampel filter) = 0.6745 × (x − median) ÷ MAD, x = deseasonalised digital transactions,
--          over a centred window: the same district × service's months within ±6 calendar months of the month
--          (the month included, 13 at most, fewer at the ends of the series or around gaps);
--          median = median x over the window, MAD = median |x − median| over the same window (with the centre's
--          median); when MAD = 0: (x − median) ÷ (1.253314 × mean |x − median|), and 0 when that is 0 too
--          (every month alike); null with fewer than 6 months in the window; expected = median × seasonal index
-- unit: z in robust standard deviations; expected in transactions
create or replace view quality_outlier_scores as
with pairs as (
    -- each month (the centre) with every month of its window (the neighbours), itself included
    select
        c.district_code,
        c.service_code,
        c.month_start,
        n.deseasonalised as neighbour
    from quality_monthly_digital as c
    join quality_monthly_digital as n
        on n.district_code = c.district_code
       and n.service_code = c.service_code
       and n.month_start between c.month_start - interval 6 month and c.month_start + interval 6 month
),
centred as (
    select
        *,
        median(neighbour) over centre as median_value
    from pairs
    window centre as (partition by district_code, service_code, month_start)
),
spread as (
    select
        district_code,
        service_code,
        month_start,
        any_value(median_value) as median_value,
        median(abs(neighbour - median_value)) as mad,
        avg(abs(neighbour - median_value)) as mean_ad,
        count(neighbour) as history_months
    from centred
    group by district_code, service_code, month_start
),
scored as (
    select
        m.*,
        s.median_value,
        s.mad,
        s.mean_ad,
        s.history_months,
        -- spreads below this are rounding noise from the division by the index, not variation
        1e-9 * greatest(abs(s.median_value), 1) as tiny
    from quality_monthly_digital as m
    join spread as s using (district_code, service_code, month_start)
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
from scored
