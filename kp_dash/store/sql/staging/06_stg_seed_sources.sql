-- view: stg_seed_sources
-- grain: one row per seed table × source × year
-- formula: the distinct source and year of every row of every seed table
-- unit: rows
create or replace view stg_seed_sources as
select 'districts' as seed_table, source, year, count(*) as row_count from districts group by all
union all
select 'population', source, year, count(*) from population group by all
union all
select 'literacy', source, year, count(*) from literacy group by all
union all
select 'disability', source, year, count(*) from disability group by all
union all
select 'lighting', source, year, count(*) from lighting group by all
union all
select 'mobile_ownership', source, year, count(*) from mobile_ownership group by all
union all
select 'district_parents', source, year, count(*) from district_parents group by all
union all
select 'services', source, null, count(*) from services group by all
union all
select 'channels', source, null, count(*) from channels group by all
