-- table: usage
-- grain: one row per batch × month × district × service × channel × sex × area × age band
-- formula: validated rows of the usage data contract
-- unit: transactions and users are counts
create table usage (
    batch_id varchar not null,
    month_start date not null,
    district_code varchar not null,
    service_code varchar not null,
    channel varchar not null,
    sex varchar not null,
    area varchar not null,
    age_band varchar not null,
    transactions bigint not null,
    users bigint
)
