-- table: lighting
-- grain: one row per district × area ('all' rows are published totals)
-- formula: as published in Census 2023 table 22 (grid electricity; solar counted separately)
-- unit: households
create table lighting (
    district_code varchar not null,
    area varchar not null,
    households bigint not null,
    households_grid_light bigint not null,
    households_solar_light bigint,
    households_other_light bigint,
    source varchar not null,
    year integer not null,
    primary key (district_code, area)
)
