-- table: districts
-- grain: one row per district (35, P-codes PK501-PK535)
-- formula: as published (register from Census 2023, OCHA COD-AB P-codes and centroids)
-- unit: area_km2 in square kilometres; centroid in degrees (EPSG:4326)
create table districts (
    district_code varchar primary key,
    district_name varchar not null,
    census_name varchar not null,
    division varchar not null,
    is_merged boolean not null,
    centroid_lon double,
    centroid_lat double,
    area_km2 double,
    source varchar not null,
    year integer not null
)
