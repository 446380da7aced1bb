-- Map: fewer indexes for an import to maintain per building and unit, with every read they served still served.

-- Imported buildings and units carry no created_by/updated_by (their history rows and the job name the user), and
-- these indexes only ever answer "the rows of this user" (the foreign keys' ON DELETE SET NULL among them), which a
-- NULL never matches. As partial indexes they serve the same lookups, and every building and unit an import creates
-- skips its table's two insertions.
DROP INDEX locations_created_by_user_id_idx;
DROP INDEX locations_updated_by_user_id_idx;
DROP INDEX addresses_created_by_user_id_idx;
DROP INDEX addresses_updated_by_user_id_idx;
CREATE INDEX locations_created_by_user_id_idx ON locations (created_by_user_id) WHERE created_by_user_id IS NOT NULL;
CREATE INDEX locations_updated_by_user_id_idx ON locations (updated_by_user_id) WHERE updated_by_user_id IS NOT NULL;
CREATE INDEX addresses_created_by_user_id_idx ON addresses (created_by_user_id) WHERE created_by_user_id IS NOT NULL;
CREATE INDEX addresses_updated_by_user_id_idx ON addresses (updated_by_user_id) WHERE updated_by_user_id IS NOT NULL;

-- The CSV import finds a building by its exact address and point. The (latitude, longitude) btree served that at the
-- price of an insertion at a random place in a numeric btree for every building a register import creates, and the
-- GiST point index (0005), which every spatial read uses, is slow for exact points. A hash index on the address
-- answers the same probe in one bucket read, costs an import less, and keeps the planner off the trigram index for
-- equality, which it would otherwise choose and which takes milliseconds per probe on a large register.
DROP INDEX locations_latitude_longitude_idx;
CREATE INDEX locations_address_hash_idx ON locations USING hash (address);

-- The register's identifiers are compared byte by byte: they are codes, not words, and an import probes and fills
-- their unique indexes millions of times, where the database's linguistic collation costs a copy and a strcoll()
-- per comparison. Equality is unchanged (every collation a database can have by default is deterministic).
ALTER TABLE locations ALTER COLUMN loc_guid TYPE text COLLATE "C";
ALTER TABLE addresses ALTER COLUMN addr_guid TYPE text COLLATE "C";
