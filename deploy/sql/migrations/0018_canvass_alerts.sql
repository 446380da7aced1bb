-- Canvassing: knock conflicts, safety alerts and a shift's lead (docs/canvassing.md "Knock conflicts", "Safety alerts").

-- The shift's lead receives the safety alerts of the canvass sessions on that shift.
ALTER TABLE shifts ADD COLUMN lead_user_id uuid REFERENCES users (id) ON DELETE SET NULL;
CREATE INDEX shifts_lead_user_id_idx ON shifts (lead_user_id) WHERE lead_user_id IS NOT NULL;

-- A door knocked twice within the conflict window by different canvassers: the later visit against the door's visit
-- just before it. Written in the same statement as the later visit (the visit writer's group commit), so a conflict
-- exists exactly when its visit does; one per later visit.
-- The door and the canvassers are copies of the two visits' columns, not references of their own: a conflict goes
-- with either visit (deleting a door or a canvasser deletes their visits, 0011), so checking them again on every
-- conflict would only add lookups to the visit path.
CREATE TABLE canvass_conflicts (
    id                  uuid PRIMARY KEY,
    address_id          uuid NOT NULL,
    cut_id              uuid REFERENCES cuts (id) ON DELETE SET NULL,
    first_visit_id      uuid NOT NULL REFERENCES canvass_visits (id) ON DELETE CASCADE,
    first_user_id       uuid NOT NULL,
    first_visited_at    timestamptz NOT NULL,
    second_visit_id     uuid NOT NULL REFERENCES canvass_visits (id) ON DELETE CASCADE,
    second_user_id      uuid NOT NULL,
    second_visited_at   timestamptz NOT NULL,
    gap_seconds         integer NOT NULL CHECK (gap_seconds >= 0),
    created_at          timestamptz NOT NULL,
    reviewed_at         timestamptz,
    reviewed_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    review_note         text,
    version             integer NOT NULL DEFAULT 0,
    CONSTRAINT canvass_conflicts_second_visit_id_key UNIQUE (second_visit_id)
);
-- The review queue: open conflicts, newest first, optionally of one cut (reviewed ones are an admin's rare look back).
-- The first visit's index serves the cascade when visits are deleted. Every index is one more insertion on the visit
-- path when a conflict is raised, so there are no others.
CREATE INDEX canvass_conflicts_open_idx ON canvass_conflicts (created_at DESC) WHERE reviewed_at IS NULL;
CREATE INDEX canvass_conflicts_open_cut_id_idx ON canvass_conflicts (cut_id, created_at DESC) WHERE reviewed_at IS NULL;
CREATE INDEX canvass_conflicts_first_visit_id_idx ON canvass_conflicts (first_visit_id);

CREATE TYPE safety_alert_kind AS ENUM ('STATIONARY', 'OUTSIDE_CUT', 'PAST_SHIFT_END');

-- At most one alert per condition per session: whichever detector sees it first (the trail's grain as points arrive,
-- or the sweep) inserts it, every later attempt meets the unique key and raises nothing.
CREATE TABLE safety_alerts (
    id                      uuid PRIMARY KEY,
    session_id              uuid NOT NULL REFERENCES canvass_sessions (id) ON DELETE CASCADE,
    user_id                 uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shift_id                uuid REFERENCES shifts (id) ON DELETE SET NULL,
    cut_id                  uuid REFERENCES cuts (id) ON DELETE SET NULL,
    kind                    safety_alert_kind NOT NULL,
    -- When the condition began to hold (the canvasser had been still for the limit, the fix outside, the shift's end).
    condition_at            timestamptz NOT NULL,
    raised_at               timestamptz NOT NULL,
    latitude                numeric(10,8),
    longitude               numeric(11,8),
    -- Stationary: minutes still; outside: metres beyond the cut; past the end: minutes past it (when raised).
    measure                 double precision,
    acknowledged_at         timestamptz,
    acknowledged_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    version                 integer NOT NULL DEFAULT 0,
    CONSTRAINT safety_alerts_session_id_kind_key UNIQUE (session_id, kind)
);
CREATE INDEX safety_alerts_raised_at_idx ON safety_alerts (raised_at DESC);
CREATE INDEX safety_alerts_shift_id_raised_at_idx ON safety_alerts (shift_id, raised_at DESC) WHERE shift_id IS NOT NULL;
CREATE INDEX safety_alerts_user_id_idx ON safety_alerts (user_id);

-- The sweep's "still open past its shift's end": the ACTIVE sessions that belong to a shift, without scanning the rest.
CREATE INDEX canvass_sessions_active_shift_id_idx ON canvass_sessions (shift_id) WHERE status = 'ACTIVE' AND shift_id IS NOT NULL;

-- Truncating a table that visits refer to (0011) truncates the visits; conflicts refer to visits, so they go with them.
CREATE OR REPLACE FUNCTION canvass_visits_follow_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF TG_ARGV[1] = 'CASCADE' THEN
            TRUNCATE canvass_visits CASCADE;
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
