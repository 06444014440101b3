-- table: population
-- grain: one row per district × census year × age group × sex × area ('all' rows are published totals)
-- formula: as published by PBS; derived age groups per METRICS.md (e.g. 15-24 = 05-24 - (UNDER 15 - UNDER 5))
-- unit: people
create table population (
    district_code varchar not null,
    census_year integer not null,
    age_group varchar not null,
    sex varchar not null,
    area varchar not null,
    population bigint not null,
    source varchar not null,
    year integer not null,
    primary key (district_code, census_year, age_group, sex, area)
)
