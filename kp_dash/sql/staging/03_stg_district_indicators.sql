-- view: stg_district_indicators
-- grain: one row per district × indicator × group × year
-- formula: seed indicators (PSLM mobile ownership, Census literacy and grid lighting as count ratios) plus imported indicators
-- unit: percent
create or replace view stg_district_indicators as
select
    district_code,
    'mobile_hh_pct' as indicator,
    'all' as grp,
    year,
    mobile_hh_pct as value,
    source,
    case when is_parent_estimate
        then 'parent-district estimate (' || source_unit || ')' end as source_note,
    'survey' as source_kind,
    is_parent_estimate
from mobile_ownership
union all
select
    district_code,
    'literacy_pct',
    case when sex = 'all' then 'all' else sex end,
    year,
    100.0 * literate_10plus / nullif(population_10plus, 0),
    source,
    null,
    'census',
    false
from literacy
where area = 'all' and sex in ('all', 'female', 'male')
union all
select
    district_code,
    'grid_light_pct',
    'all',
    year,
    100.0 * households_grid_light / nullif(households, 0),
    source,
    null,
    'census',
    false
from lighting
where area = 'all'
union all
select district_code, indicator, grp, year, value, source,
       case when is_parent_estimate then 'parent-district estimate' end, source_kind,
       is_parent_estimate
from indicator_values
where unit = 'pct' and district_code is not null
