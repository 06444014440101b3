-- table: stg_indicators_current (written by each build: indicators change only when a build loads them)
-- grain: one row per district × indicator × group, in the year chosen for that indicator and group
-- formula: the chosen year is the latest year whose values cover every district (a later year replaces an
--          earlier one, never adds to it); when no year covers every district, the latest year, and
--          covers_all is false (districts without a value have no row: no data, never zero)
-- unit: percent
create or replace table stg_indicators_current as
with coverage as (
    select indicator, grp, year, count(distinct district_code) as districts
    from stg_district_indicators
    group by indicator, grp, year
),
chosen as (
    select
        indicator,
        grp,
        coalesce(
            max(year) filter (where districts = (select count(*) from districts)), max(year)
        ) as year,
        max(year) filter (where districts = (select count(*) from districts)) is not null
            as covers_all
    from coverage
    group by indicator, grp
)
select i.*, c.covers_all
from stg_district_indicators as i
join chosen as c using (indicator, grp, year)
