-- Canvassing: the per-statement trail check of 0008 finds the trails through their primary key.
--
-- A transition table has no statistics, so 0008's join of the new points with tracking_sessions was planned as a hash
-- join over a scan of every trail: each batch of points read the whole table, which only grows over a campaign. The
-- check now collects the distinct trails first and locks them by key, which costs the same with ten trails or ten
-- million. Its plans are generic and never scan a table: "id = ANY (trails)" is the same index probe whatever the array
-- holds, but the planner would otherwise plan it afresh for every statement, and a generic plan guesses ten trails, for
-- which it prefers reading a small table whole and comparing every row with every trail. The rule, the locks and the
-- error are unchanged.
CREATE OR REPLACE FUNCTION track_points_trails_exist() RETURNS trigger LANGUAGE plpgsql
    SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
    trails uuid[];
    locked integer;
    missing uuid;
BEGIN
    trails := ARRAY(SELECT DISTINCT tracking_session_id FROM new_points);
    PERFORM 1 FROM tracking_sessions t WHERE t.id = ANY (trails) FOR KEY SHARE OF t;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < cardinality(trails) THEN
        SELECT n.id INTO missing FROM unnest(trails) AS n(id)
        WHERE NOT EXISTS (SELECT 1 FROM tracking_sessions t WHERE t.id = n.id) LIMIT 1;
        RAISE EXCEPTION 'insert on table "track_points" names a trail that does not exist'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'track_points_tracking_session_id_fkey',
                  TABLE = 'track_points', COLUMN = 'tracking_session_id',
                  DETAIL = format('Key (tracking_session_id)=(%s) is not present in table "tracking_sessions".', missing);
    END IF;
    RETURN NULL;
END
$$;
