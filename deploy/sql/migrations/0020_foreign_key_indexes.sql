-- Every foreign key column has an index (a rule the schema tests check): deleting a user, a door or a cut must not
-- scan these tables to find the rows that refer to it. Keys that stay NULL on most rows (who reviewed or acknowledged)
-- get partial indexes, which the rows written on the visit path and by the safety sweep never touch.
CREATE INDEX door_leases_user_id_idx ON door_leases (user_id);
CREATE INDEX shift_turf_address_id_idx ON shift_turf (address_id);
CREATE INDEX shift_turf_user_id_idx ON shift_turf (user_id);
CREATE INDEX canvass_conflicts_cut_id_idx ON canvass_conflicts (cut_id);
CREATE INDEX canvass_conflicts_reviewed_by_user_id_idx ON canvass_conflicts (reviewed_by_user_id) WHERE reviewed_by_user_id IS NOT NULL;
CREATE INDEX safety_alerts_cut_id_idx ON safety_alerts (cut_id);
CREATE INDEX safety_alerts_acknowledged_by_user_id_idx ON safety_alerts (acknowledged_by_user_id) WHERE acknowledged_by_user_id IS NOT NULL;
