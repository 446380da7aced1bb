-- Canvassing: a visit's five references are checked once per statement instead of once per visit and reference.
--
-- The visit writer inserts the visits of many canvassers in one statement. Each of its foreign keys (address, canvasser,
-- session, cut, shift) ran a lookup and a row lock per visit through its own executor: on a busy day that was an eighth
-- of the database's time, finding the same few hundred sessions, canvassers and cuts again for every visit. The same
-- rules, set-based, as 0008 did for the points of a trail:
--   * after each statement that inserts or updates visits, every distinct address, canvasser, session, cut and shift they
--     name must exist; those rows are locked FOR KEY SHARE, as the foreign keys lock them, so a row deleted at the same
--     time either waits for the visits' transaction (and then takes them along) or is seen gone (and the visits are
--     refused, under the constraint name the foreign key had);
--   * deleting addresses, canvassers or sessions deletes their visits; deleting cuts or shifts clears the visits' cut or
--     shift (the delete rules of the data model); truncating does the same to every visit;
--   * ids never move: the referenced rows' ids cannot be updated.
-- The application runs READ COMMITTED, where each of these statements reads what is committed when it runs; that is
-- what makes the locking above equivalent to the foreign keys'.
ALTER TABLE canvass_visits
    DROP CONSTRAINT canvass_visits_address_id_fkey,
    DROP CONSTRAINT canvass_visits_user_id_fkey,
    DROP CONSTRAINT canvass_visits_shift_id_fkey,
    DROP CONSTRAINT canvass_visits_session_id_fkey,
    DROP CONSTRAINT canvass_visits_cut_id_fkey;

-- Each reference: its distinct ids, locked through the primary key and counted against what was asked for (see 0010
-- for why by key and with generic plans). The five are written out, not built with EXECUTE, so that their plans are
-- cached.
CREATE FUNCTION canvass_visits_references_exist() RETURNS trigger LANGUAGE plpgsql
    SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
    address_ids uuid[] := ARRAY(SELECT DISTINCT address_id FROM new_visits);
    user_ids uuid[] := ARRAY(SELECT DISTINCT user_id FROM new_visits);
    session_ids uuid[] := ARRAY(SELECT DISTINCT session_id FROM new_visits);
    cut_ids uuid[] := ARRAY(SELECT DISTINCT cut_id FROM new_visits WHERE cut_id IS NOT NULL);
    shift_ids uuid[] := ARRAY(SELECT DISTINCT shift_id FROM new_visits WHERE shift_id IS NOT NULL);
BEGIN
    IF (SELECT count(*) FROM (SELECT FROM addresses r WHERE r.id = ANY (address_ids) FOR KEY SHARE OF r) locked) < cardinality(address_ids) THEN
        PERFORM raise_missing_reference('canvass_visits', 'address_id', 'addresses', address_ids);
    END IF;
    IF (SELECT count(*) FROM (SELECT FROM users r WHERE r.id = ANY (user_ids) FOR KEY SHARE OF r) locked) < cardinality(user_ids) THEN
        PERFORM raise_missing_reference('canvass_visits', 'user_id', 'users', user_ids);
    END IF;
    IF (SELECT count(*) FROM (SELECT FROM canvass_sessions r WHERE r.id = ANY (session_ids) FOR KEY SHARE OF r) locked) < cardinality(session_ids) THEN
        PERFORM raise_missing_reference('canvass_visits', 'session_id', 'canvass_sessions', session_ids);
    END IF;
    IF (SELECT count(*) FROM (SELECT FROM cuts r WHERE r.id = ANY (cut_ids) FOR KEY SHARE OF r) locked) < cardinality(cut_ids) THEN
        PERFORM raise_missing_reference('canvass_visits', 'cut_id', 'cuts', cut_ids);
    END IF;
    IF (SELECT count(*) FROM (SELECT FROM shifts r WHERE r.id = ANY (shift_ids) FOR KEY SHARE OF r) locked) < cardinality(shift_ids) THEN
        PERFORM raise_missing_reference('canvass_visits', 'shift_id', 'shifts', shift_ids);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER canvass_visits_references_exist_on_insert AFTER INSERT ON canvass_visits
    REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_references_exist();
CREATE TRIGGER canvass_visits_references_exist_on_update AFTER UPDATE ON canvass_visits
    REFERENCING NEW TABLE AS new_visits FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_references_exist();

-- A referenced table's deletes and truncation carried to the visits: the trigger's arguments are the visits' column and
-- the delete rule (CASCADE or SET NULL). Deleting is rare next to recording visits, so one function builds the statement.
CREATE FUNCTION canvass_visits_follow_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF TG_ARGV[1] = 'CASCADE' THEN
            TRUNCATE canvass_visits;
        ELSE
            EXECUTE format('UPDATE canvass_visits SET %1$I = NULL WHERE %1$I IS NOT NULL', TG_ARGV[0]);
        END IF;
    ELSIF TG_ARGV[1] = 'CASCADE' THEN
        EXECUTE format('DELETE FROM canvass_visits v USING old_rows o WHERE v.%I = o.id', TG_ARGV[0]);
    ELSE
        EXECUTE format('UPDATE canvass_visits v SET %1$I = NULL FROM old_rows o WHERE v.%1$I = o.id', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER canvass_visits_follow_deleted AFTER DELETE ON addresses REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('address_id', 'CASCADE');
CREATE TRIGGER canvass_visits_follow_deleted AFTER DELETE ON users REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('user_id', 'CASCADE');
CREATE TRIGGER canvass_visits_follow_deleted AFTER DELETE ON canvass_sessions REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('session_id', 'CASCADE');
CREATE TRIGGER canvass_visits_follow_deleted AFTER DELETE ON cuts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('cut_id', 'SET NULL');
CREATE TRIGGER canvass_visits_follow_deleted AFTER DELETE ON shifts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('shift_id', 'SET NULL');

CREATE TRIGGER canvass_visits_follow_truncated AFTER TRUNCATE ON addresses
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('address_id', 'CASCADE');
CREATE TRIGGER canvass_visits_follow_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('user_id', 'CASCADE');
CREATE TRIGGER canvass_visits_follow_truncated AFTER TRUNCATE ON canvass_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('session_id', 'CASCADE');
CREATE TRIGGER canvass_visits_follow_truncated AFTER TRUNCATE ON cuts
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('cut_id', 'SET NULL');
CREATE TRIGGER canvass_visits_follow_truncated AFTER TRUNCATE ON shifts
    FOR EACH STATEMENT EXECUTE FUNCTION canvass_visits_follow_referenced('shift_id', 'SET NULL');

-- Ids never move. 0008's refusal serves every table whose id others point at without a foreign key.
ALTER FUNCTION trail_key_cannot_change() RENAME TO key_cannot_change;
CREATE TRIGGER keep_id BEFORE UPDATE OF id ON addresses
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION key_cannot_change('id');
CREATE TRIGGER keep_id BEFORE UPDATE OF id ON users
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION key_cannot_change('id');
CREATE TRIGGER keep_id BEFORE UPDATE OF id ON canvass_sessions
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION key_cannot_change('id');
CREATE TRIGGER keep_id BEFORE UPDATE OF id ON cuts
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION key_cannot_change('id');
CREATE TRIGGER keep_id BEFORE UPDATE OF id ON shifts
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION key_cannot_change('id');
