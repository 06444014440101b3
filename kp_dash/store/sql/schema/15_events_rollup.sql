-- table: events_rollup
-- grain: one row per month × district × service × channel × sex × area × age band of the accepted events
-- formula: completed events are transactions; failed and abandoned ones are counted apart; users are the distinct pseudonymised references of completed events in the month (never added across months)
-- unit: counts of events and of people
create table events_rollup (
    month_start date not null,
    district_code varchar not null,
    service_code varchar not null,
    channel varchar not null,
    sex varchar not null,
    area varchar not null,
    age_band varchar not null,
    transactions bigint not null,
    failed bigint not null,
    abandoned bigint not null,
    users bigint
)
