-- Media job admission: each category's scheduler reads, at activation and at every check, the runs still open
-- (their processes may be alive, so they hold slots) of its category.
CREATE INDEX media_job_runs_open_idx ON media_job_runs (category) WHERE ended_at IS NULL;
