-- view: quality_neighbours
-- grain: one row per district × service × month reported with both the month before and the month after reported
-- formula: ratio = transactions (all channels) ÷ mean of the previous and the next month's transactions
-- unit: transactions; ratio (1 = in line with the months either side)
create or replace view quality_neighbours as
with ordered as (
    select
        district_code,
        service_code,
        month_start,
        transactions,
        lag(transactions) over series as previous_transactions,
        lead(transactions) over series as next_transactions
    from quality_completeness
    window series as (partition by district_code, service_code order by month_start)
)
select
    district_code,
    service_code,
    month_start,
    transactions,
    previous_transactions,
    next_transactions,
    (previous_transactions + next_transactions) / 2.0 as neighbour_mean,
    transactions / nullif((previous_transactions + next_transactions) / 2.0, 0) as ratio
from ordered
where transactions is not null
  and previous_transactions is not null
  and next_transactions is not null
