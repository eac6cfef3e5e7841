-- Leads per source and status, kept by the triggers on `leads` like
-- `sources.lead_count`, so a table filtered only by status shows its total
-- without counting hundreds of thousands of rows.
-- Rows are only ever added, never updated in place, so an import that runs for
-- minutes and a status change in the same source never wait for each other
-- or deadlock over a shared counter. A total is the sum of a group's rows; the
-- server folds each group back into one row from time to time.
create table source_status_counts (
    id bigint generated always as identity primary key,
    source_id bigint not null references sources (id) on delete cascade,
    status lead_status not null,
    lead_count bigint not null
);

create index source_status_counts_group_idx on source_status_counts (source_id, status);

-- Leads written while this migration runs would run the old triggers and be
-- missed by the backfill; the lock holds them off until the new triggers are
-- in place.
lock table leads in share row exclusive mode;

insert into source_status_counts (source_id, status, lead_count)
select source_id, status, count(*) from leads group by source_id, status;

create or replace function leadbase_leads_inserted() returns trigger
    language plpgsql
    as $$
begin
    insert into search_outbox (lead_id) select id from new_rows order by id;
    update sources s
       set lead_count = s.lead_count + n.added
      from (select source_id, count(*) as added from new_rows group by source_id) n
     where s.id = n.source_id;
    insert into source_status_counts (source_id, status, lead_count)
    select source_id, status, count(*) from new_rows group by source_id, status;
    return null;
end
$$;

create or replace function leadbase_leads_updated() returns trigger
    language plpgsql
    as $$
begin
    insert into search_outbox (lead_id) select id from new_rows order by id;
    update sources s
       set lead_count = s.lead_count + d.delta
      from (
            select source_id, sum(delta) as delta
              from (select source_id, -1 as delta from old_rows
                    union all
                    select source_id, 1 as delta from new_rows) moved
             group by source_id
            having sum(delta) <> 0
           ) d
     where s.id = d.source_id;
    insert into source_status_counts (source_id, status, lead_count)
    select source_id, status, sum(delta)
      from (select source_id, status, -1 as delta from old_rows
            union all
            select source_id, status, 1 as delta from new_rows) changed
     group by source_id, status
    having sum(delta) <> 0;
    return null;
end
$$;

create or replace function leadbase_leads_deleted() returns trigger
    language plpgsql
    as $$
begin
    insert into search_outbox (lead_id) select id from old_rows order by id;
    update sources s
       set lead_count = s.lead_count - n.removed
      from (select source_id, count(*) as removed from old_rows group by source_id) n
     where s.id = n.source_id;
    insert into source_status_counts (source_id, status, lead_count)
    select source_id, status, -count(*) from old_rows group by source_id, status;
    return null;
end
$$;
