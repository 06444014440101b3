-- table: district_parents
-- grain: one row per old parent district × present district (Chitral, Kohistan, Dir)
-- formula: as in the seed register: a parent district's value stands for each of its districts
-- unit: none
create table district_parents (
    parent_name varchar not null,
    district_code varchar not null,
    source varchar not null,
    year integer not null,
    primary key (parent_name, district_code)
)
