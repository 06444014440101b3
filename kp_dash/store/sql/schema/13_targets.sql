-- table: targets
-- grain: one row per service (or 'all') × district (null = the province) × metric × month or year
-- formula: as set by the department in a `targets` import
-- unit: the metric's own unit
create table targets (
    service_code varchar not null,
    district_code varchar,
    metric varchar not null,
    month_start date,
    year integer not null,
    target double not null,
    batch_id varchar not null
)
