-- Canvassing: fewer index insertions for the busiest writes of the day, every read still served by an index.

-- A GPS point goes into two indexes, not three. Every read of points is "the points of one trail" (its track, an
-- activation's seqs, its start), which the unique (tracking_session_id, seq) index answers by its leading column,
-- server-made points (seq NULL) included. The (tracking_session_id, recorded_at) index only spared the track read
-- a sort of one trail's points (a 12-hour walk at one fix a second is 43,200, a few megabytes), at the price of one
-- more index insertion for each of the day's millions of points.
DROP INDEX track_points_tracking_session_id_recorded_at_idx;

-- Visits made outside a shift have no shift_id; the index only ever answers "the visits of this shift" (the foreign
-- key's ON DELETE SET NULL among them), which a NULL never matches.
DROP INDEX canvass_visits_shift_id_idx;
CREATE INDEX canvass_visits_shift_id_idx ON canvass_visits (shift_id) WHERE shift_id IS NOT NULL;
