-- Canvassing: the per-statement trail check of 0008 finds the trails through their primary key.
--
-- A transition table has no statistics, so 0008's join of the new points with tracking_sessions was planned as a hash
-- join over a scan of every trail: each batch of points read the whole table, which only grows over a campaign. The
-- check now collects the distinct trails first and locks them by key, which costs the same with ten trails or ten
-- million. Its plans are generic and never scan a table: "id = ANY (trails)" is the same index probe whatever the array
-- holds, but the planner would otherwise plan it afresh for every statement, and a generic plan guesses ten trails, for
-- which it prefers reading a small table whole and comparing every row with every trail. The rule, the locks, the error
-- code and the constraint name are unchanged; the message now reads as the foreign key's did.

-- The error a foreign key raises when a referenced row is missing, under that key's name, so callers that tell keys
-- apart still can. It finds the first missing id among those asked for; only a failing statement gets here, so its
-- query is built for the table at hand.
CREATE FUNCTION raise_missing_reference(source text, col text, target text, ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    EXECUTE format('SELECT n.id FROM unnest($1) AS n(id) WHERE NOT EXISTS (SELECT 1 FROM %I r WHERE r.id = n.id) LIMIT 1', target)
        INTO missing USING ids;
    RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"', source, source || '_' || col || '_fkey'
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = source || '_' || col || '_fkey', TABLE = source, COLUMN = col,
              DETAIL = format('Key (%s)=(%s) is not present in table "%s".', col, missing, target);
END
$$;

CREATE OR REPLACE FUNCTION track_points_trails_exist() RETURNS trigger LANGUAGE plpgsql
    SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
    trails uuid[] := ARRAY(SELECT DISTINCT tracking_session_id FROM new_points);
BEGIN
    IF (SELECT count(*) FROM (SELECT FROM tracking_sessions t WHERE t.id = ANY (trails) FOR KEY SHARE OF t) locked) < cardinality(trails) THEN
        PERFORM raise_missing_reference('track_points', 'tracking_session_id', 'tracking_sessions', trails);
    END IF;
    RETURN NULL;
END
$$;
