-- table: build_info
-- grain: one row per build property (build_id, built_at, fingerprint, usage coverage)
-- formula: written once by the build
-- unit: none
create table build_info (
    key varchar primary key,
    value varchar
)
