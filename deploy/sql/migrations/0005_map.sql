-- Map module: search and spatial indexes, geocoding cache, and the staging tables of uploaded imports.

-- Time-ordered ids for rows made by set-based SQL (imports write millions of rows without a round trip
-- per row); same layout as Ids.New(): 48-bit Unix milliseconds, version 7, random rest.
CREATE OR REPLACE FUNCTION map_uuid_v7() RETURNS uuid AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$ LANGUAGE sql VOLATILE;

-- Bounding-box reads (map viewport, cut prefilter) on two dimensions at once; the btree on
-- (latitude, longitude) can only range over latitude and must filter every longitude in the band.
CREATE INDEX locations_point_gist_idx ON locations USING gist (point(longitude::float8, latitude::float8));

-- Free-text search on the street address ("123 main") with ILIKE '%…%'.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX locations_address_trgm_idx ON locations USING gin (address gin_trgm_ops);

-- Postal-code prefix filters (an FSA such as 'T5K%') whatever the database collation. This index also answers
-- equality, so it replaces the plain one: imports maintain one postal-code index, not two.
CREATE INDEX locations_postal_code_pattern_idx ON locations (postal_code text_pattern_ops);
DROP INDEX locations_postal_code_idx;

-- Map jobs by type for the admin screens.
CREATE INDEX jobs_type_created_at_idx ON jobs (type, created_at DESC);

-- Geocoder answers, shared by every silo and kept across restarts (providers ask for caching, and
-- Nominatim's 1 request/s makes a miss expensive). found = false caches "no result" for a shorter time.
CREATE TABLE map_geocode_cache (
    provider    geocode_provider NOT NULL,
    query_key   text NOT NULL,
    found       boolean NOT NULL,
    latitude    double precision,
    longitude   double precision,
    confidence  integer,
    formatted   text,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, query_key)
);
CREATE INDEX map_geocode_cache_expires_at_idx ON map_geocode_cache (expires_at);

-- Uploaded import files, streamed by the frontend in chunks so that the silo running the job (on any
-- machine) reads them from here; removed when the job ends.
CREATE TABLE map_import_files (
    job_id    uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    file_no   integer NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('nar_address', 'nar_location', 'csv')),
    name      text,
    bytes     bigint NOT NULL DEFAULT 0,
    chunks    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, file_no)
);

CREATE TABLE map_import_chunks (
    job_id   uuid NOT NULL,
    file_no  integer NOT NULL,
    seq      integer NOT NULL,
    data     bytea NOT NULL,
    PRIMARY KEY (job_id, file_no, seq),
    FOREIGN KEY (job_id, file_no) REFERENCES map_import_files (job_id, file_no) ON DELETE CASCADE
);
-- CSV chunks are read once: compressing them on write costs more than the space it saves.
ALTER TABLE map_import_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
