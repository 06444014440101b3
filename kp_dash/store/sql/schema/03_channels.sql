-- table: channels
-- grain: one row per channel
-- formula: channel_kind is digital (online, mobile_app), assisted (kiosk, facilitation_centre, helpline) or in_person (counter)
-- unit: none
create table channels (
    channel varchar primary key,
    channel_kind varchar not null,
    label varchar not null,
    source varchar not null
)
