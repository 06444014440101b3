-- table: indicator_values
-- grain: one row per district (or old parent district) × year × indicator × group, from accepted `indicators` imports
-- formula: as supplied by the department, with its own source; parent-district rows (Chitral, Kohistan) keep district_code null
-- unit: given per row (pct or count)
create table indicator_values (
    district_code varchar,
    parent_name varchar,
    year integer not null,
    indicator varchar not null,
    grp varchar not null,
    value double not null,
    unit varchar not null,
    source varchar not null,
    source_kind varchar not null,
    is_parent_estimate boolean not null default false,
    batch_id varchar not null
)
