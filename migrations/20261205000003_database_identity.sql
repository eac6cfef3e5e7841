-- A random identity of this database, written into every search index commit.
-- An index built from another database (a restored or recreated one) names
-- another identity and is rebuilt instead of resuming at a seq that means
-- something else here.
create table leadbase_database (
    id uuid primary key default gen_random_uuid(),
    created_at timestamptz not null default now(),
    only_row boolean not null default true unique check (only_row)
);

insert into leadbase_database default values;
