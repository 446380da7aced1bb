-- Door leases: a door of a cut's walk list handed to one canvass session for a while, so two canvassers of the
-- same cut are not sent to the same door. The cut's walk-list grain decides every lease; the primary key on the
-- door is the backstop should two activations (or two overlapping cuts) ever hand out the same door.
CREATE TABLE door_leases (
    address_id   uuid PRIMARY KEY REFERENCES addresses (id) ON DELETE CASCADE,
    cut_id       uuid NOT NULL REFERENCES cuts (id) ON DELETE CASCADE,
    session_id   uuid NOT NULL REFERENCES canvass_sessions (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    leased_until timestamptz NOT NULL,
    leased_at    timestamptz NOT NULL
);
CREATE INDEX door_leases_cut_id_idx ON door_leases (cut_id);
CREATE INDEX door_leases_session_id_idx ON door_leases (session_id);

-- Shift turf: the part of a shift's cut kept for one confirmed volunteer of that shift. A door is kept for at most
-- one volunteer per cut, whatever the shift.
CREATE TABLE shift_turf (
    cut_id      uuid NOT NULL REFERENCES cuts (id) ON DELETE CASCADE,
    address_id  uuid NOT NULL REFERENCES addresses (id) ON DELETE CASCADE,
    shift_id    uuid NOT NULL REFERENCES shifts (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position    integer NOT NULL,
    reserved_at timestamptz NOT NULL,
    PRIMARY KEY (cut_id, address_id)
);
CREATE INDEX shift_turf_shift_id_user_id_idx ON shift_turf (shift_id, user_id);
