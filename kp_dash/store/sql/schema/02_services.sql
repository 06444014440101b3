-- table: services
-- grain: one row per e-service in the catalogue
-- formula: as listed in the data contract; population_age_group names the eligible population
-- unit: none
create table services (
    service_code varchar primary key,
    service_name varchar not null,
    sector varchar not null,
    eligible_population varchar not null,
    population_age_group varchar not null,
    source varchar not null
)
