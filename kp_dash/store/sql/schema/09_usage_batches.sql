-- table: usage_batches
-- grain: one row per loaded batch of usage rows (the demonstration file or an accepted import)
-- formula: none (provenance record)
-- unit: row_count in rows
create table usage_batches (
    batch_id varchar primary key,
    source_kind varchar not null,
    source varchar not null,
    file_name varchar not null,
    content_hash varchar,
    row_count bigint not null,
    loaded_at timestamp not null
)
