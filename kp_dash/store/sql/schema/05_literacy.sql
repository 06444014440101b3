-- table: literacy
-- grain: one row per district × sex × area ('all' rows are published totals)
-- formula: as published in Census 2023 table 12
-- unit: people aged 10 and over; literacy_pct_published in percent
create table literacy (
    district_code varchar not null,
    sex varchar not null,
    area varchar not null,
    population_10plus bigint not null,
    literate_10plus bigint not null,
    literacy_pct_published double,
    source varchar not null,
    year integer not null,
    primary key (district_code, sex, area)
)
