-- table: mobile_ownership
-- grain: one row per district (parent-district values repeated for split districts, flagged)
-- formula: as published by Data4Pakistan from PSLM 2019-20 microdata
-- unit: percent of people living in a household with a working mobile phone
create table mobile_ownership (
    district_code varchar primary key,
    mobile_hh_pct double not null,
    source_unit varchar not null,
    is_parent_estimate boolean not null,
    source varchar not null,
    year integer not null
)
