-- table: usage_rows
-- grain: one row per batch × month × district × service × channel × sex × area × age band ×
--        disability
-- formula: validated rows of the usage data contract loaded by the build (the demonstration data);
--          accepted imports stay in their Parquet batch files and join these in the `usage` view
-- unit: transactions and users are counts
create table usage_rows (
    batch_id varchar not null,
    month_start date not null,
    district_code varchar not null,
    service_code varchar not null,
    channel varchar not null,
    sex varchar not null,
    area varchar not null,
    age_band varchar not null,
    disability varchar not null,
    transactions bigint not null,
    users bigint
)
