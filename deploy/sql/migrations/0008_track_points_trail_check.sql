-- Canvassing: a GPS point's trail is checked once per statement instead of once per point.
--
-- The foreign key track_points → tracking_sessions ran one lookup and row lock of the trail for every point: under a
-- busy day's GPS load that was a fifth of the database's time, spent finding the same few hundred trails again for
-- each of the thousands of points a batch carries. The same rule, set-based:
--   * after each statement that inserts points (COPY included), every distinct trail they name must exist; the trails
--     are locked FOR KEY SHARE, as the foreign key locks them, so a trail deleted at the same time either waits for
--     the points' transaction (and then deletes them) or is seen gone (and the points are refused);
--   * deleting trails deletes their points, as ON DELETE CASCADE did (a user's deletion cascades to their trails and
--     so to their points); truncating the trails truncates the points;
--   * ids never move: a trail's id, and the trail a point belongs to, cannot be updated.
-- The application runs READ COMMITTED, where each of these statements reads what is committed when it runs; that is
-- what makes the locking above equivalent to the foreign key's.
ALTER TABLE track_points DROP CONSTRAINT track_points_tracking_session_id_fkey;

CREATE FUNCTION track_points_trails_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted integer;
    locked integer;
    missing uuid;
BEGIN
    SELECT count(DISTINCT tracking_session_id) INTO wanted FROM new_points;
    PERFORM 1 FROM tracking_sessions t WHERE t.id IN (SELECT tracking_session_id FROM new_points) FOR KEY SHARE OF t;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < wanted THEN
        SELECT n.tracking_session_id INTO missing FROM new_points n
        WHERE NOT EXISTS (SELECT 1 FROM tracking_sessions t WHERE t.id = n.tracking_session_id) LIMIT 1;
        RAISE EXCEPTION 'insert on table "track_points" names a trail that does not exist'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'track_points_tracking_session_id_fkey',
                  TABLE = 'track_points', COLUMN = 'tracking_session_id',
                  DETAIL = format('Key (tracking_session_id)=(%s) is not present in table "tracking_sessions".', missing);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER track_points_trails_exist AFTER INSERT ON track_points
    REFERENCING NEW TABLE AS new_points FOR EACH STATEMENT EXECUTE FUNCTION track_points_trails_exist();

CREATE FUNCTION tracking_sessions_delete_points() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM track_points p USING old_trails o WHERE p.tracking_session_id = o.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER tracking_sessions_delete_points AFTER DELETE ON tracking_sessions
    REFERENCING OLD TABLE AS old_trails FOR EACH STATEMENT EXECUTE FUNCTION tracking_sessions_delete_points();

-- One refusal for both key columns that must not move; the column is the trigger's argument.
CREATE FUNCTION trail_key_cannot_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.% cannot change', TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[0];
END
$$;

CREATE TRIGGER tracking_sessions_keep_id BEFORE UPDATE OF id ON tracking_sessions
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION trail_key_cannot_change('id');

CREATE TRIGGER track_points_keep_trail BEFORE UPDATE OF tracking_session_id ON track_points
    FOR EACH ROW WHEN (OLD.tracking_session_id IS DISTINCT FROM NEW.tracking_session_id)
    EXECUTE FUNCTION trail_key_cannot_change('tracking_session_id');

CREATE FUNCTION tracking_sessions_truncate_points() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE track_points;
    RETURN NULL;
END
$$;

CREATE TRIGGER tracking_sessions_truncate_points AFTER TRUNCATE ON tracking_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION tracking_sessions_truncate_points();
