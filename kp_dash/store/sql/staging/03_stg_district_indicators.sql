-- view: stg_district_indicators
-- grain: one row per district × indicator × group × year
-- formula: seed indicators (PSLM mobile ownership, Census literacy and grid lighting as count ratios) plus imported
--          indicators; an imported value given for an old parent district (Chitral, Kohistan) stands for each of its
--          districts, flagged; for one district, indicator, group and year an imported district value comes before an
--          imported parent value, and either before the seed
-- unit: percent
create or replace view stg_district_indicators as
with seed as (
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
        is_parent_estimate,
        3 as priority
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
        false,
        3
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
        false,
        3
    from lighting
    where area = 'all'
),
imported as (
    select district_code, indicator, grp, year, value, source, null as source_note, source_kind,
           false as is_parent_estimate, 1 as priority
    from indicator_values
    where unit = 'pct' and district_code is not null
    union all
    select p.district_code, v.indicator, v.grp, v.year, v.value, v.source,
           'parent-district estimate (' || v.parent_name || ')', v.source_kind, true, 2
    from indicator_values as v
    join district_parents as p using (parent_name)
    where v.unit = 'pct' and v.district_code is null
)
select district_code, indicator, grp, year, value, source, source_note, source_kind, is_parent_estimate
from (select * from seed union all select * from imported)
where value is not null
qualify row_number() over (
    partition by district_code, indicator, grp, year order by priority
) = 1
