-- Map: fewer indexes for an import to maintain per building and unit, with every read they served still served.

-- Imported buildings and units carry no created_by/updated_by (their history rows and the job name the user), and
-- these indexes only ever answer "the rows of this user" (the foreign keys' ON DELETE SET NULL among them), which a
-- NULL never matches. As partial indexes they serve the same lookups and leave a million imported rows out of four
-- index insertions each.
DROP INDEX locations_created_by_user_id_idx;
DROP INDEX locations_updated_by_user_id_idx;
DROP INDEX addresses_created_by_user_id_idx;
DROP INDEX addresses_updated_by_user_id_idx;
CREATE INDEX locations_created_by_user_id_idx ON locations (created_by_user_id) WHERE created_by_user_id IS NOT NULL;
CREATE INDEX locations_updated_by_user_id_idx ON locations (updated_by_user_id) WHERE updated_by_user_id IS NOT NULL;
CREATE INDEX addresses_created_by_user_id_idx ON addresses (created_by_user_id) WHERE created_by_user_id IS NOT NULL;
CREATE INDEX addresses_updated_by_user_id_idx ON addresses (updated_by_user_id) WHERE updated_by_user_id IS NOT NULL;

-- The spatial index of the data model's [latitude, longitude] is the GiST index on point(longitude, latitude)
-- (0005): it ranges over both dimensions at once, and every spatial read (viewport, cut prefilter) uses it. The
-- btree beside it could range over latitude only, and no query reads it any more.
DROP INDEX locations_latitude_longitude_idx;
