-- view: quality_sex_totals
-- grain: one row per district × year × indicator whose count values give female, male and all
-- formula: female and male against the 'all' value of the same indicator (female + male above all is inconsistent;
--          below it is allowed, the total also counts transgender people and the unknown)
-- unit: the indicator's count
create or replace view quality_sex_totals as
select
    district_code,
    year,
    indicator,
    max(value) filter (where grp = 'female') as female,
    max(value) filter (where grp = 'male') as male,
    max(value) filter (where grp = 'all') as total,
    list_sort(list(distinct batch_id) filter (where batch_id is not null)) as batch_ids
from indicator_values
where unit = 'count' and district_code is not null and grp in ('female', 'male', 'all')
group by district_code, year, indicator
having count(*) filter (where grp = 'female') > 0
   and count(*) filter (where grp = 'male') > 0
   and count(*) filter (where grp = 'all') > 0
