-- Media library, media jobs and the public gallery.

-- Videos: the content hash (duplicate detection), what ffprobe found beyond 0002's columns, soft delete,
-- lock, publication in the public gallery, and a version for the aggregate's optimistic writes.
ALTER TABLE videos
    ADD COLUMN sha256            text,
    ADD COLUMN original_filename text,
    ADD COLUMN container         text,
    ADD COLUMN quality           text,
    ADD COLUMN has_audio         boolean NOT NULL DEFAULT false,
    ADD COLUMN bit_rate          bigint,
    ADD COLUMN category          text,
    ADD COLUMN is_locked         boolean NOT NULL DEFAULT false,
    ADD COLUMN is_published      boolean NOT NULL DEFAULT false,
    ADD COLUMN published_at      timestamptz,
    ADD COLUMN deleted_at        timestamptz,
    ADD COLUMN created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN version           integer NOT NULL DEFAULT 0;
-- The same bytes are in the library once (a soft-deleted copy does not count).
CREATE UNIQUE INDEX videos_sha256_live_key ON videos (sha256) WHERE deleted_at IS NULL AND sha256 IS NOT NULL;
CREATE INDEX videos_published_idx ON videos (published_at DESC) WHERE is_published AND deleted_at IS NULL;
CREATE INDEX videos_created_by_user_id_idx ON videos (created_by_user_id);

-- Jobs: media jobs share the table with map jobs. Priority orders a category's queue (higher first), a failed
-- attempt waits until run_after (exponential backoff), the log keeps the job's own lines.
ALTER TABLE jobs
    ADD COLUMN priority     integer NOT NULL DEFAULT 0,
    ADD COLUMN max_attempts integer NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    ADD COLUMN run_after    timestamptz,
    ADD COLUMN log          text NOT NULL DEFAULT '',
    ADD COLUMN version      integer NOT NULL DEFAULT 0;
CREATE INDEX jobs_media_queue_idx ON jobs (resource_category, priority DESC, created_at)
    WHERE status IN ('queued', 'running') AND type LIKE 'media.%';

-- Each run of a media job: which silo, when it started and ended, how it ended. Operators see where time went,
-- and the slot rule (never more running than a category's slots) can be checked from the rows.
CREATE TABLE media_job_runs (
    job_id     uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt    integer NOT NULL,
    category   resource_category NOT NULL,
    silo       text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    ended_at   timestamptz,
    outcome    text,
    PRIMARY KEY (job_id, attempt)
);

ALTER TABLE compilations ADD COLUMN video_id uuid REFERENCES videos (id) ON DELETE SET NULL;
CREATE INDEX compilations_video_id_idx ON compilations (video_id);

-- Public gallery: one reaction per IP per video (a later one replaces it), comments held for moderation.
CREATE TABLE media_reactions (
    video_id   uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    ip         text NOT NULL,
    reaction   text NOT NULL CHECK (reaction IN ('LIKE', 'LOVE', 'LAUGH', 'WOW', 'SAD', 'ANGRY')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (video_id, ip)
);

CREATE TABLE media_comments (
    id          uuid PRIMARY KEY,
    video_id    uuid NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    name        text NOT NULL,
    email       text,
    text        text NOT NULL,
    status      text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
    ip          text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    moderated_at timestamptz
);
CREATE INDEX media_comments_video_id_idx ON media_comments (video_id, created_at);
CREATE INDEX media_comments_pending_idx ON media_comments (created_at) WHERE status = 'PENDING';
