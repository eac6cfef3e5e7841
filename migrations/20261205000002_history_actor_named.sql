-- Every history entry names who made the change.
alter table lead_history
    add constraint lead_history_actor_name_not_blank check (btrim(actor_name) <> '');
