-- table: disability
-- grain: one row per district × sex × area ('all' rows are published totals)
-- formula: as published in Census 2023 table 16
-- unit: people
create table disability (
    district_code varchar not null,
    sex varchar not null,
    area varchar not null,
    population bigint,
    with_disability bigint,
    with_functional_limitation bigint,
    source varchar not null,
    year integer not null,
    primary key (district_code, sex, area)
)
