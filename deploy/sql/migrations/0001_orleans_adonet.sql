-- 0001_orleans_adonet.sql
--
-- Schema that the Orleans 10.4.2 ADO.NET providers need in PostgreSQL 15
-- (invariant "Npgsql"): clustering, reminders and grain persistence.
--
-- Why this file exists: Orleans ships no SQL in its NuGet packages. The
-- providers only load query texts from OrleansQuery by key, bind parameters
-- by name and read result columns by name, so this file is our own
-- implementation of that contract, checked against the 10.4.2 binaries.
--
-- The migrator runs this file once, inside its own transaction, as one
-- multi-statement command. Hence: no BEGIN or COMMIT, no psql meta-commands,
-- and no IF NOT EXISTS guards (a second run must fail loudly, not half-apply).
--
-- Tables and functions are created unqualified because Orleans has no schema
-- option: the silo finds them through the search_path of its login role.
--
-- Timestamps bound by the providers are UTC DateTime values, which Npgsql
-- sends as timestamptz. Columns are timestamptz so no session time zone is
-- ever applied to them.


-- ---------------------------------------------------------------------------
-- Query catalogue
-- ---------------------------------------------------------------------------

-- Each provider reads its query texts from here once, when it initialises.
-- Clustering and reminders refuse to start if any key they know is missing.
CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL,
    QueryText varchar(8000) NOT NULL,

    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
);


-- ---------------------------------------------------------------------------
-- Clustering (membership)
-- ---------------------------------------------------------------------------
-- DeploymentId holds ClusterOptions.ClusterId.
-- Status values come from Orleans SiloStatus: 3 = Active, 6 = Dead.

-- One row per cluster. Its Version is the optimistic-concurrency token of the
-- whole membership table: every membership write must name the version it
-- read and bumps it by one.
CREATE TABLE OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0,

    CONSTRAINT PK_OrleansMembershipVersionTable PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation (address, port and generation).
CREATE TABLE OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL,
    Address      varchar(45)    NOT NULL, -- long enough for textual IPv6
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    -- NOT NULL because the reader converts it to int unconditionally. The
    -- provider always binds a value (0 when the silo is no gateway).
    ProxyPort    integer        NOT NULL,
    SuspectTimes varchar(8000)  NULL,     -- "silo,date|silo,date" votes
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,

    CONSTRAINT PK_OrleansMembershipTable
        PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_OrleansMembershipTable_Version
        FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Insert a silo row and bump the table version as one atomic step.
-- Returns 1 on success and 0 when the caller lost the race (stale version, or
-- the row already exists): Orleans treats 0 as a conflict, re-reads, retries.
CREATE FUNCTION orleans_insert_membership(
    p_deployment_id  varchar,
    p_address        varchar,
    p_port           integer,
    p_generation     integer,
    p_silo_name      varchar,
    p_host_name      varchar,
    p_status         integer,
    p_proxy_port     integer,
    p_start_time     timestamptz,
    p_i_am_alive     timestamptz,
    p_version        integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
BEGIN
    -- This block is a savepoint: if the silo row already exists, the
    -- unique_violation handler also undoes the version bump.
    BEGIN
        -- The version row is locked first so that concurrent writers queue
        -- up on it and every loser sees the bumped version. The upper bound
        -- keeps the token inside int32: Orleans parses it as a non-negative
        -- int and orders snapshots by it, so it must never wrap.
        UPDATE OrleansMembershipVersionTable
           SET Version   = Version + 1,
               Timestamp = now()
         WHERE DeploymentId = p_deployment_id
           AND Version      = p_version
           AND Version      < 2147483647;

        IF NOT FOUND THEN
            RETURN 0;
        END IF;

        INSERT INTO OrleansMembershipTable
            (DeploymentId, Address, Port, Generation, SiloName, HostName,
             Status, ProxyPort, StartTime, IAmAliveTime)
        VALUES
            (p_deployment_id, p_address, p_port, p_generation, p_silo_name,
             p_host_name, p_status, p_proxy_port, p_start_time, p_i_am_alive);
    EXCEPTION
        WHEN unique_violation THEN
            RETURN 0;
    END;

    RETURN 1;
END
$fn$;

-- Update a silo row (status, suspicion votes, liveness) and bump the table
-- version atomically. Returns 1 on success, 0 on conflict, like the insert.
CREATE FUNCTION orleans_update_membership(
    p_deployment_id  varchar,
    p_address        varchar,
    p_port           integer,
    p_generation     integer,
    p_status         integer,
    p_suspect_times  varchar,
    p_i_am_alive     timestamptz,
    p_version        integer)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
BEGIN
    -- Savepoint so that a missing silo row rolls the version bump back.
    BEGIN
        UPDATE OrleansMembershipVersionTable
           SET Version   = Version + 1,
               Timestamp = now()
         WHERE DeploymentId = p_deployment_id
           AND Version      = p_version
           AND Version      < 2147483647;

        IF NOT FOUND THEN
            RETURN 0;
        END IF;

        -- GREATEST: the entry being written may have been read before the
        -- latest heartbeat, and liveness must never move backwards.
        UPDATE OrleansMembershipTable
           SET Status       = p_status,
               SuspectTimes = p_suspect_times,
               IAmAliveTime = GREATEST(IAmAliveTime, p_i_am_alive)
         WHERE DeploymentId = p_deployment_id
           AND Address      = p_address
           AND Port         = p_port
           AND Generation   = p_generation;

        IF NOT FOUND THEN
            -- Raised only to reach the handler below, which rolls back.
            RAISE EXCEPTION 'membership row not found' USING ERRCODE = 'no_data_found';
        END IF;
    EXCEPTION
        WHEN no_data_found THEN
            RETURN 0;
    END;

    RETURN 1;
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Creates the cluster version row the first time a silo starts. The reader
-- expects a single column that is non-zero only when a row was inserted.
('InsertMembershipVersionKey', $q$
    WITH inserted AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId)
        VALUES (@DeploymentId)
        ON CONFLICT (DeploymentId) DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer AS row_count FROM inserted;
$q$),

('InsertMembershipKey', $q$
    SELECT orleans_insert_membership(
        @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
        @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS row_count;
$q$),

('UpdateMembershipKey', $q$
    SELECT orleans_update_membership(
        @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
        @IAmAliveTime, @Version) AS row_count;
$q$),

-- Heartbeat. It deliberately leaves the table version alone, so heartbeats
-- never make a concurrent membership write fail. Orleans ignores the result.
('UpdateIAmAlivetimeKey', $q$
    UPDATE OrleansMembershipTable
       SET IAmAliveTime = GREATEST(IAmAliveTime, @IAmAliveTime)
     WHERE DeploymentId = @DeploymentId
       AND Address      = @Address
       AND Port         = @Port
       AND Generation   = @Generation;
$q$),

-- Reads start from the version row and LEFT JOIN the silo rows: the version
-- must come back even when no silo row matches (the reader then sees a NULL
-- StartTime and reports an empty table with that version). One statement
-- means one snapshot, so the rows and the version are consistent.
('MembershipReadRowKey', $q$
    SELECT v.DeploymentId,
           m.Address, m.Port, m.Generation, m.SiloName, m.HostName,
           m.Status, m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime,
           v.Version
      FROM OrleansMembershipVersionTable v
      LEFT JOIN OrleansMembershipTable m
             ON m.DeploymentId = v.DeploymentId
            AND m.Address      = @Address
            AND m.Port         = @Port
            AND m.Generation   = @Generation
     WHERE v.DeploymentId = @DeploymentId;
$q$),

('MembershipReadAllKey', $q$
    SELECT v.DeploymentId,
           m.Address, m.Port, m.Generation, m.SiloName, m.HostName,
           m.Status, m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime,
           v.Version
      FROM OrleansMembershipVersionTable v
      LEFT JOIN OrleansMembershipTable m
             ON m.DeploymentId = v.DeploymentId
     WHERE v.DeploymentId = @DeploymentId;
$q$),

-- Used by clients to find gateways. Status is bound to 3 (Active) and a
-- ProxyPort of 0 means the silo accepts no client connections.
('GatewaysQueryKey', $q$
    SELECT Address, ProxyPort, Generation
      FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId
       AND Status       = @Status
       AND ProxyPort    > 0;
$q$),

-- Used by tests and tooling to wipe a cluster. Silo rows go first because of
-- the foreign key.
('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM OrleansMembershipTable        WHERE DeploymentId = @DeploymentId;
    DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
$q$),

-- Periodic removal of long-dead silo rows (DefunctSiloExpiration). Only Dead
-- rows qualify, as in the IMembershipTable contract and the rule 10.4.2 itself
-- applies, so a slow-to-join or shutting-down silo is never erased. The
-- version is not bumped because no live silo depends on these rows.
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
     WHERE DeploymentId = @DeploymentId
       AND Status       = 6
       AND IAmAliveTime < @IAmAliveTime
       AND StartTime    < @IAmAliveTime;
$q$);

-- Not added on purpose: the optional CleanupDefunctSiloEntryKey. When it is
-- present, 10.4.2 reads the whole table and deletes Dead rows one by one,
-- guarded by their captured values. Dead rows never change again, so the
-- single set-based DELETE above is enough, and the catalogue stays at the
-- nine keys that every 10.x clustering provider requires.


-- ---------------------------------------------------------------------------
-- Reminders
-- ---------------------------------------------------------------------------
-- Keyed by ServiceId (stable across deployments), not by ClusterId.
-- GrainId is GrainId.ToString(), i.e. "type/key".
-- GrainHash is the grain uniform hash cast from uint to int, so it can be
-- negative. The provider chooses ReadRangeRows1Key or ReadRangeRows2Key by
-- comparing the bounds as signed ints, so plain signed comparisons are right.
-- Period is in milliseconds.

CREATE TABLE OrleansRemindersTable
(
    ServiceId    varchar(150)   NOT NULL,
    GrainId      varchar(150)   NOT NULL,
    ReminderName varchar(150)   NOT NULL,
    StartTime    timestamptz(3) NOT NULL,
    Period       bigint         NOT NULL,
    GrainHash    integer        NOT NULL,
    Version      integer        NOT NULL,

    CONSTRAINT PK_OrleansRemindersTable
        PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Each silo loads the reminders of its own slice of the hash ring.
CREATE INDEX IX_OrleansRemindersTable_GrainHash
    ON OrleansRemindersTable (ServiceId, GrainHash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Insert or replace a reminder and return its new Version (the ETag). The
-- version wraps to 0 instead of overflowing: the ETag is only ever compared
-- for equality. Period arrives as int or bigint depending on its size.
('UpsertReminderRowKey', $q$
    INSERT INTO OrleansRemindersTable AS r
        (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES
        (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period::bigint, @GrainHash, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
       SET StartTime = excluded.StartTime,
           Period    = excluded.Period,
           GrainHash = excluded.GrainHash,
           Version   = CASE WHEN r.Version >= 2147483647 THEN 0 ELSE r.Version + 1 END
    RETURNING r.Version AS Version;
$q$),

('ReadReminderRowsKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainId   = @GrainId;
$q$),

('ReadReminderRowKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId    = @ServiceId
       AND GrainId      = @GrainId
       AND ReminderName = @ReminderName;
$q$),

-- Ring slice that does not wrap: (BeginHash, EndHash].
('ReadRangeRows1Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND GrainHash > @BeginHash
       AND GrainHash <= @EndHash;
$q$),

-- Ring slice that wraps past the top (also the full ring when Begin = End).
('ReadRangeRows2Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
      FROM OrleansRemindersTable
     WHERE ServiceId = @ServiceId
       AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
$q$),

-- Deletes only when the caller holds the current ETag. The reader expects a
-- single column that is non-zero when a row was removed.
('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM OrleansRemindersTable
         WHERE ServiceId    = @ServiceId
           AND GrainId      = @GrainId
           AND ReminderName = @ReminderName
           AND Version      = @Version
        RETURNING 1
    )
    SELECT count(*)::integer AS row_count FROM deleted;
$q$),

('DeleteReminderRowsKey', $q$
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
$q$);


-- ---------------------------------------------------------------------------
-- Grain persistence
-- ---------------------------------------------------------------------------
-- A state row is identified by ServiceId, the grain key (integer keys in
-- grainidn1, Guid keys split over grainidn0/grainidn1, string keys and key
-- extensions in grainidextensionstring) and GrainTypeString, which holds the
-- STATE NAME passed to the storage provider, not the grain class. The two
-- hashes exist only to make lookups selective.
-- version is the ETag: NULL in the grain means "never written".

CREATE TABLE OrleansStorage
(
    grainidhash            integer      NOT NULL,
    grainidn0              bigint       NOT NULL,
    grainidn1              bigint       NOT NULL,
    graintypehash          integer      NOT NULL,
    graintypestring        varchar(512) NOT NULL,
    grainidextensionstring varchar(512) NULL,
    serviceid              varchar(150) NOT NULL,
    payloadbinary          bytea        NULL,     -- NULL after ClearState
    modifiedon             timestamptz  NOT NULL DEFAULT now(),
    version                integer      NULL
);

-- Unique, with NULLS NOT DISTINCT (PostgreSQL 15) so that keys without an
-- extension string also collide: two activations racing on a first write can
-- then never create two rows, the loser just gets a version conflict. The
-- hash columns lead so that this index also serves every lookup.
CREATE UNIQUE INDEX ux_orleansstorage
    ON OrleansStorage (grainidhash, graintypehash, grainidn0, grainidn1,
                       graintypestring, grainidextensionstring, serviceid)
    NULLS NOT DISTINCT;

-- Nine-parameter signature used since Orleans 7.0 (payloads are serialized
-- by Orleans into payloadbinary). Returns NewGrainStateVersion: the new
-- ETag on success, or the unchanged input version (NULL on a first write)
-- when the write lost, which Orleans turns into an InconsistentStateException.
CREATE FUNCTION writetostorage(
    _grainidhash            integer,
    _grainidn0              bigint,
    _grainidn1              bigint,
    _graintypehash          integer,
    _graintypestring        varchar,
    _grainidextensionstring varchar,
    _serviceid              varchar,
    _grainstateversion      integer,
    _payloadbinary          bytea)
RETURNS TABLE (newgrainstateversion integer)
LANGUAGE plpgsql
AS $fn$
DECLARE
    _written integer;
BEGIN
    IF _grainstateversion IS NULL THEN
        -- First write: succeeds only if no row exists yet (see the unique
        -- index), so it can never overwrite a row another activation wrote.
        INSERT INTO OrleansStorage
            (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring,
             grainidextensionstring, serviceid, payloadbinary, modifiedon, version)
        VALUES
            (_grainidhash, _grainidn0, _grainidn1, _graintypehash, _graintypestring,
             _grainidextensionstring, _serviceid, _payloadbinary, now(), 1)
        ON CONFLICT DO NOTHING
        RETURNING version INTO _written;
    ELSE
        -- Later writes: optimistic concurrency on version. The version wraps
        -- to 1 instead of overflowing int32, because Orleans parses the ETag
        -- as an int and only compares it for equality.
        UPDATE OrleansStorage
           SET payloadbinary = _payloadbinary,
               modifiedon    = now(),
               version       = CASE WHEN version >= 2147483647 THEN 1 ELSE version + 1 END
         WHERE grainidhash   = _grainidhash
           AND graintypehash = _graintypehash
           AND grainidn0     = _grainidn0
           AND grainidn1     = _grainidn1
           AND graintypestring = _graintypestring
           AND grainidextensionstring IS NOT DISTINCT FROM _grainidextensionstring
           AND serviceid     = _serviceid
           AND version       = _grainstateversion
        RETURNING version INTO _written;
    END IF;

    RETURN QUERY SELECT COALESCE(_written, _grainstateversion);
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

('WriteToStorageKey', $q$
    SELECT NewGrainStateVersion
      FROM writetostorage(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
                          @GrainTypeString, @GrainIdExtensionString, @ServiceId,
                          @GrainStateVersion, @PayloadBinary);
$q$),

-- No row means "never written": the grain starts from a default state with
-- a NULL ETag. A row with a NULL payload means "cleared": default state, but
-- the ETag is kept so the next write is still version-checked.
('ReadFromStorageKey', $q$
    SELECT payloadbinary AS PayloadBinary,
           version       AS Version
      FROM OrleansStorage
     WHERE grainidhash   = @GrainIdHash
       AND graintypehash = @GrainTypeHash
       AND grainidn0     = @GrainIdN0
       AND grainidn1     = @GrainIdN1
       AND graintypestring = @GrainTypeString
       AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
       AND serviceid     = @ServiceId;
$q$),

-- ClearState when DeleteStateOnClear = false (the default): keep the row,
-- drop the payload, bump the version. Orleans reads the first column as the
-- new ETag, and no row back (stale ETag) is a version conflict.
('ClearStorageKey', $q$
    UPDATE OrleansStorage
       SET payloadbinary = NULL,
           modifiedon    = now(),
           version       = CASE WHEN version >= 2147483647 THEN 1 ELSE version + 1 END
     WHERE grainidhash   = @GrainIdHash
       AND graintypehash = @GrainTypeHash
       AND grainidn0     = @GrainIdN0
       AND grainidn1     = @GrainIdN1
       AND graintypestring = @GrainTypeString
       AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
       AND serviceid     = @ServiceId
       AND version       = @GrainStateVersion
    RETURNING version AS NewGrainStateVersion;
$q$),

-- ClearState when DeleteStateOnClear = true: remove the row. Orleans still
-- checks that the first column differs from the ETag it sent, so return
-- what the next version would have been.
('DeleteStorageKey', $q$
    DELETE FROM OrleansStorage
     WHERE grainidhash   = @GrainIdHash
       AND graintypehash = @GrainTypeHash
       AND grainidn0     = @GrainIdN0
       AND grainidn1     = @GrainIdN1
       AND graintypestring = @GrainTypeString
       AND grainidextensionstring IS NOT DISTINCT FROM @GrainIdExtensionString
       AND serviceid     = @ServiceId
       AND version       = @GrainStateVersion
    RETURNING CASE WHEN version >= 2147483647 THEN 1 ELSE version + 1 END AS NewGrainStateVersion;
$q$);
