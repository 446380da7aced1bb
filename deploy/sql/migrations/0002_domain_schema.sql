-- Domain schema: the 33 tables of data-model.md (30 domain models + videos, compilations, jobs).
-- Runs once, inside the migrator transaction. Ids are UUIDv7 made by the application,
-- gen_random_uuid() is only a fallback. updated_at is set by the application (no triggers).

-- ---------------------------------------------------------------------------
-- Enums (values exactly as data-model.md writes them)
-- ---------------------------------------------------------------------------
CREATE TYPE user_role AS ENUM ('SUPER_ADMIN', 'INFLUENCE_ADMIN', 'MAP_ADMIN', 'USER', 'TEMP');
CREATE TYPE user_status AS ENUM ('ACTIVE', 'INACTIVE', 'SUSPENDED', 'EXPIRED');
CREATE TYPE user_created_via AS ENUM ('ADMIN', 'PUBLIC_SHIFT_SIGNUP', 'STANDARD');

CREATE TYPE campaign_status AS ENUM ('DRAFT', 'ACTIVE', 'PAUSED', 'ARCHIVED');
CREATE TYPE government_level AS ENUM ('FEDERAL', 'PROVINCIAL', 'MUNICIPAL', 'SCHOOL_BOARD');
CREATE TYPE email_method AS ENUM ('SMTP', 'MAILTO');
CREATE TYPE campaign_email_status AS ENUM ('QUEUED', 'SENT', 'FAILED', 'CLICKED', 'USER_INFO_CAPTURED');
CREATE TYPE response_type AS ENUM ('EMAIL', 'LETTER', 'PHONE_CALL', 'MEETING', 'SOCIAL_MEDIA', 'OTHER');
CREATE TYPE response_status AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

CREATE TYPE support_level AS ENUM ('LEVEL_1', 'LEVEL_2', 'LEVEL_3', 'LEVEL_4');
CREATE TYPE geocode_provider AS ENUM ('GOOGLE', 'MAPBOX', 'NOMINATIM', 'PHOTON', 'LOCATIONIQ', 'ARCGIS', 'UNKNOWN');
CREATE TYPE building_type AS ENUM ('SINGLE_FAMILY', 'MULTI_UNIT', 'MIXED_USE', 'COMMERCIAL');
CREATE TYPE location_history_action AS ENUM ('CREATED', 'UPDATED', 'GEOCODED', 'BULK_GEOCODED', 'MOVED_ON_MAP', 'IMPORTED_CSV', 'IMPORTED_NAR');
CREATE TYPE shift_status AS ENUM ('OPEN', 'FULL', 'CANCELLED');
CREATE TYPE signup_status AS ENUM ('CONFIRMED', 'CANCELLED');
CREATE TYPE signup_source AS ENUM ('AUTHENTICATED', 'PUBLIC', 'ADMIN');
CREATE TYPE cut_category AS ENUM ('CUSTOM', 'WARD', 'NEIGHBORHOOD', 'DISTRICT');

CREATE TYPE visit_outcome AS ENUM ('NOT_HOME', 'REFUSED', 'MOVED', 'ALREADY_VOTED', 'SPOKE_WITH', 'LEFT_LITERATURE', 'COME_BACK_LATER');
CREATE TYPE canvass_session_status AS ENUM ('ACTIVE', 'COMPLETED', 'ABANDONED');
CREATE TYPE track_point_event AS ENUM ('LOCATION_ADDED', 'VISIT_RECORDED', 'SESSION_STARTED', 'SESSION_ENDED');

CREATE TYPE email_template_category AS ENUM ('INFLUENCE', 'MAP', 'SYSTEM');
CREATE TYPE editor_mode AS ENUM ('VISUAL', 'CODE');
CREATE TYPE mkdocs_export_mode AS ENUM ('THEMED', 'STANDALONE');

CREATE TYPE directory_type AS ENUM ('studios', 'gifs', 'private', 'inbox', 'curated', 'playback', 'compilations', 'videos', 'highlights');
CREATE TYPE resource_category AS ENUM ('gpu_ai', 'gpu_encode', 'cpu');
CREATE TYPE job_status AS ENUM ('pending', 'queued', 'running', 'completed', 'failed', 'cancelled');

-- ---------------------------------------------------------------------------
-- Auth & users
-- ---------------------------------------------------------------------------
-- email is stored lower-cased by the application, so a plain UNIQUE is case-insensitive in effect.
CREATE TABLE users (
    id                            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email                         text NOT NULL,
    password_hash                 text NOT NULL,
    name                          text,
    phone                         text,
    role                          user_role NOT NULL DEFAULT 'USER',
    status                        user_status NOT NULL DEFAULT 'ACTIVE',
    permissions                   jsonb NOT NULL DEFAULT '{}',
    created_via                   user_created_via NOT NULL DEFAULT 'STANDARD',
    expires_at                    timestamptz,
    expire_days                   integer CHECK (expire_days IS NULL OR expire_days > 0),
    last_login_at                 timestamptz,
    email_verified                boolean NOT NULL DEFAULT false,
    email_verification_token_hash text,
    email_verification_expires_at timestamptz,
    password_reset_token_hash     text,
    password_reset_expires_at     timestamptz,
    created_by_user_id            uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at                    timestamptz NOT NULL DEFAULT now(),
    updated_at                    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);
CREATE INDEX users_role_idx ON users (role);
-- TEMP-user expiry sweep: status ACTIVE and expires_at in the past
CREATE INDEX users_status_expires_at_idx ON users (status, expires_at);
CREATE INDEX users_created_by_user_id_idx ON users (created_by_user_id);
CREATE UNIQUE INDEX users_email_verification_token_hash_key ON users (email_verification_token_hash)
    WHERE email_verification_token_hash IS NOT NULL;
CREATE UNIQUE INDEX users_password_reset_token_hash_key ON users (password_reset_token_hash)
    WHERE password_reset_token_hash IS NOT NULL;

-- Rotation: a token is single-use (used_at), and replaying a used one revokes its whole family.
CREATE TABLE refresh_tokens (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash     text NOT NULL,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id      uuid NOT NULL,
    expires_at     timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    used_at        timestamptz,
    revoked_at     timestamptz,
    replaced_by_id uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
    created_by_ip  text,
    CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_replaced_by_id_idx ON refresh_tokens (replaced_by_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);

-- ---------------------------------------------------------------------------
-- Influence
-- ---------------------------------------------------------------------------
CREATE TABLE campaigns (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug                     text NOT NULL,
    title                    text NOT NULL,
    description              text,
    email_subject            text NOT NULL,
    email_body               text NOT NULL,
    call_to_action           text,
    cover_photo              text,
    status                   campaign_status NOT NULL DEFAULT 'DRAFT',
    allow_smtp_email         boolean NOT NULL DEFAULT true,
    allow_mailto_link        boolean NOT NULL DEFAULT true,
    collect_user_info        boolean NOT NULL DEFAULT true,
    show_email_count         boolean NOT NULL DEFAULT true,
    show_call_count          boolean NOT NULL DEFAULT true,
    allow_email_editing      boolean NOT NULL DEFAULT false,
    allow_custom_recipients  boolean NOT NULL DEFAULT false,
    show_response_wall       boolean NOT NULL DEFAULT false,
    highlight_campaign       boolean NOT NULL DEFAULT false,
    target_government_levels government_level[] NOT NULL DEFAULT '{}',
    created_by_user_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_by_user_email    text,
    created_by_user_name     text,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT campaigns_slug_key UNIQUE (slug)
);
CREATE INDEX campaigns_created_by_user_id_idx ON campaigns (created_by_user_id);
CREATE INDEX campaigns_status_idx ON campaigns (status);

CREATE TABLE campaign_emails (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id      uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    campaign_slug    text NOT NULL,
    user_id          uuid REFERENCES users (id) ON DELETE SET NULL,
    user_email       text,
    user_name        text,
    user_postal_code text,
    recipient_email  text NOT NULL,
    recipient_name   text,
    recipient_title  text,
    recipient_level  government_level,
    email_method     email_method NOT NULL,
    subject          text NOT NULL,
    message          text NOT NULL,
    status           campaign_email_status NOT NULL DEFAULT 'QUEUED',
    sender_ip        text,
    sent_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaign_emails_campaign_id_status_idx ON campaign_emails (campaign_id, status);
CREATE INDEX campaign_emails_user_id_idx ON campaign_emails (user_id);
CREATE INDEX campaign_emails_sent_at_idx ON campaign_emails (sent_at);

CREATE TABLE representatives (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    postal_code             text NOT NULL,
    name                    text,
    email                   text,
    district_name           text,
    elected_office          text,
    party_name              text,
    representative_set_name text,
    url                     text,
    photo_url               text,
    offices                 jsonb,
    cached_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX representatives_postal_code_idx ON representatives (postal_code);
-- stale-cache sweep
CREATE INDEX representatives_cached_at_idx ON representatives (cached_at);

CREATE TABLE custom_recipients (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id            uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    campaign_slug          text NOT NULL,
    recipient_name         text NOT NULL,
    recipient_email        text NOT NULL,
    recipient_title        text,
    recipient_organization text,
    notes                  text,
    is_active              boolean NOT NULL DEFAULT true,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX custom_recipients_campaign_id_idx ON custom_recipients (campaign_id);

CREATE TABLE postal_code_cache (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    postal_code  text NOT NULL,
    city         text,
    province     text,
    centroid_lat numeric(10,8),
    centroid_lng numeric(11,8),
    last_updated timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT postal_code_cache_postal_code_key UNIQUE (postal_code)
);

CREATE TABLE calls (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    representative_name  text NOT NULL,
    representative_title text,
    phone_number         text NOT NULL,
    office_type          text,
    caller_name          text,
    caller_email         text,
    postal_code          text,
    campaign_id          uuid REFERENCES campaigns (id) ON DELETE SET NULL,
    campaign_slug        text,
    caller_ip            text,
    called_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_campaign_id_idx ON calls (campaign_id);

CREATE TABLE representative_responses (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id           uuid NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    campaign_slug         text NOT NULL,
    representative_name   text NOT NULL,
    representative_title  text,
    representative_level  government_level NOT NULL,
    representative_email  text,
    response_type         response_type NOT NULL,
    response_text         text NOT NULL,
    user_comment          text,
    screenshot_url        text,
    submitted_by_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    submitted_by_name     text,
    submitted_by_email    text,
    is_anonymous          boolean NOT NULL DEFAULT false,
    status                response_status NOT NULL DEFAULT 'PENDING',
    is_verified           boolean NOT NULL DEFAULT false,
    verification_token    text,
    verification_sent_at  timestamptz,
    verified_at           timestamptz,
    verified_by           text,
    upvote_count          integer NOT NULL DEFAULT 0 CHECK (upvote_count >= 0),
    submitted_ip          text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX representative_responses_campaign_id_status_idx ON representative_responses (campaign_id, status);
CREATE INDEX representative_responses_submitted_by_user_id_idx ON representative_responses (submitted_by_user_id);
CREATE UNIQUE INDEX representative_responses_verification_token_key ON representative_responses (verification_token)
    WHERE verification_token IS NOT NULL;

CREATE TABLE response_upvotes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    response_id uuid NOT NULL REFERENCES representative_responses (id) ON DELETE CASCADE,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    user_email  text,
    upvoted_ip  text,
    CONSTRAINT response_upvotes_response_id_user_id_key UNIQUE (response_id, user_id),
    CONSTRAINT response_upvotes_response_id_upvoted_ip_key UNIQUE (response_id, upvoted_ip)
);
CREATE INDEX response_upvotes_user_id_idx ON response_upvotes (user_id);

CREATE TABLE email_logs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recipient_email text NOT NULL,
    sender_name     text,
    sender_email    text,
    subject         text,
    message         text,
    postal_code     text,
    status          text NOT NULL CHECK (status IN ('sent', 'failed', 'previewed')),
    sender_ip       text,
    sent_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_logs_sent_at_idx ON email_logs (sent_at);

CREATE TABLE email_verifications (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token              text NOT NULL,
    email              text NOT NULL,
    temp_campaign_data text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    used               boolean NOT NULL DEFAULT false,
    CONSTRAINT email_verifications_token_key UNIQUE (token)
);
CREATE INDEX email_verifications_expires_at_idx ON email_verifications (expires_at);

-- ---------------------------------------------------------------------------
-- Map: locations
-- ---------------------------------------------------------------------------
CREATE TABLE locations (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    latitude           numeric(10,8) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude          numeric(11,8) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    address            text,
    postal_code        text,
    province           text,
    federal_district   text,
    building_use       integer CHECK (building_use BETWEEN 1 AND 4),
    loc_guid           text,
    building_type      building_type,
    total_units        integer CHECK (total_units IS NULL OR total_units >= 0),
    building_notes     text,
    geocode_confidence integer CHECK (geocode_confidence BETWEEN 0 AND 100),
    geocode_provider   geocode_provider,
    created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT locations_loc_guid_key UNIQUE (loc_guid)
);
CREATE INDEX locations_latitude_longitude_idx ON locations (latitude, longitude);
CREATE INDEX locations_postal_code_idx ON locations (postal_code);
CREATE INDEX locations_created_by_user_id_idx ON locations (created_by_user_id);
CREATE INDEX locations_updated_by_user_id_idx ON locations (updated_by_user_id);

CREATE TABLE addresses (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    location_id        uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    unit_number        text,
    addr_guid          text,
    first_name         text,
    last_name          text,
    email              text,
    phone              text,
    support_level      support_level,
    sign               boolean NOT NULL DEFAULT false,
    sign_size          text,
    notes              text,
    created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT addresses_addr_guid_key UNIQUE (addr_guid)
);
CREATE INDEX addresses_location_id_unit_number_idx ON addresses (location_id, unit_number);
CREATE INDEX addresses_created_by_user_id_idx ON addresses (created_by_user_id);
CREATE INDEX addresses_updated_by_user_id_idx ON addresses (updated_by_user_id);

CREATE TABLE location_history (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    location_id uuid NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
    action      location_history_action NOT NULL,
    field       text,
    old_value   text,
    new_value   text,
    metadata    jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX location_history_location_id_created_at_idx ON location_history (location_id, created_at DESC);
CREATE INDEX location_history_user_id_idx ON location_history (user_id);

-- ---------------------------------------------------------------------------
-- Map: cuts, shifts, settings
-- ---------------------------------------------------------------------------
-- min/max lat/lng duplicate `bounds` as plain columns so a bounding-box prefilter can use an index.
CREATE TABLE cuts (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                  text NOT NULL,
    description           text,
    color                 text NOT NULL DEFAULT '#3388ff',
    opacity               numeric(3,2) NOT NULL DEFAULT 0.3 CHECK (opacity BETWEEN 0 AND 1),
    category              cut_category NOT NULL DEFAULT 'CUSTOM',
    is_public             boolean NOT NULL DEFAULT false,
    is_official           boolean NOT NULL DEFAULT false,
    geojson               jsonb NOT NULL,
    bounds                jsonb,
    min_lat               numeric(10,8),
    min_lng               numeric(11,8),
    max_lat               numeric(10,8),
    max_lng               numeric(11,8),
    show_locations        boolean NOT NULL DEFAULT true,
    export_enabled        boolean NOT NULL DEFAULT true,
    assigned_to           text,
    filter_settings       jsonb,
    last_canvassed        timestamptz,
    completion_percentage integer NOT NULL DEFAULT 0 CHECK (completion_percentage BETWEEN 0 AND 100),
    created_by_user_id    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cuts_bounds_order_check CHECK (min_lat <= max_lat AND min_lng <= max_lng)
);
CREATE INDEX cuts_bbox_idx ON cuts (min_lat, max_lat, min_lng, max_lng);
CREATE INDEX cuts_created_by_user_id_idx ON cuts (created_by_user_id);

CREATE TABLE shifts (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title              text NOT NULL,
    description        text,
    date               date NOT NULL,
    start_time         text NOT NULL CHECK (start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
    end_time           text NOT NULL CHECK (end_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
    location           text,
    max_volunteers     integer NOT NULL,
    current_volunteers integer NOT NULL DEFAULT 0,
    status             shift_status NOT NULL DEFAULT 'OPEN',
    is_public          boolean NOT NULL DEFAULT false,
    cut_id             uuid REFERENCES cuts (id) ON DELETE SET NULL,
    created_by         text,
    version            integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shifts_max_volunteers_check CHECK (max_volunteers > 0),
    CONSTRAINT shifts_current_volunteers_check CHECK (current_volunteers >= 0),
    -- last line of defence behind the capacity rule of the shift grain
    CONSTRAINT shifts_capacity_check CHECK (current_volunteers <= max_volunteers)
);
CREATE INDEX shifts_date_idx ON shifts (date);
CREATE INDEX shifts_cut_id_idx ON shifts (cut_id);

-- (shift_id, user_email) is unique: a cancelled signup is re-activated, not duplicated.
CREATE TABLE shift_signups (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    shift_id      uuid NOT NULL REFERENCES shifts (id) ON DELETE CASCADE,
    shift_title   text NOT NULL,
    user_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    user_email    text NOT NULL,
    user_name     text,
    user_phone    text,
    signup_date   timestamptz NOT NULL DEFAULT now(),
    status        signup_status NOT NULL DEFAULT 'CONFIRMED',
    signup_source signup_source NOT NULL DEFAULT 'AUTHENTICATED',
    CONSTRAINT shift_signups_shift_id_user_email_key UNIQUE (shift_id, user_email)
);
CREATE INDEX shift_signups_user_id_idx ON shift_signups (user_id);

CREATE TABLE map_settings (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    latitude            numeric(10,8) NOT NULL DEFAULT 53.54610000,
    longitude           numeric(11,8) NOT NULL DEFAULT -113.49380000,
    zoom                integer NOT NULL DEFAULT 11,
    walk_sheet_title    text,
    walk_sheet_subtitle text,
    walk_sheet_footer   text,
    qr_code1_url        text,
    qr_code1_label      text,
    qr_code2_url        text,
    qr_code2_label      text,
    qr_code3_url        text,
    qr_code3_label      text,
    created_by          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
-- singleton: at most one row, upsert with ON CONFLICT ((true))
CREATE UNIQUE INDEX map_settings_singleton_key ON map_settings ((true));

-- ---------------------------------------------------------------------------
-- Canvassing
-- ---------------------------------------------------------------------------
CREATE TABLE canvass_sessions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    cut_id          uuid REFERENCES cuts (id) ON DELETE SET NULL,
    shift_id        uuid REFERENCES shifts (id) ON DELETE SET NULL,
    status          canvass_session_status NOT NULL DEFAULT 'ACTIVE',
    started_at      timestamptz NOT NULL DEFAULT now(),
    ended_at        timestamptz,
    start_latitude  numeric(10,8),
    start_longitude numeric(11,8),
    version         integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX canvass_sessions_user_id_started_at_idx ON canvass_sessions (user_id, started_at DESC);
CREATE INDEX canvass_sessions_cut_id_idx ON canvass_sessions (cut_id);
CREATE INDEX canvass_sessions_shift_id_idx ON canvass_sessions (shift_id);
CREATE INDEX canvass_sessions_status_started_at_idx ON canvass_sessions (status, started_at);
CREATE UNIQUE INDEX canvass_sessions_one_active_per_user_key ON canvass_sessions (user_id)
    WHERE status = 'ACTIVE';

-- client_visit_id makes visit submission idempotent per session (NULL for server-made visits).
CREATE TABLE canvass_visits (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    address_id       uuid NOT NULL REFERENCES addresses (id) ON DELETE CASCADE,
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shift_id         uuid REFERENCES shifts (id) ON DELETE SET NULL,
    session_id       uuid NOT NULL REFERENCES canvass_sessions (id) ON DELETE CASCADE,
    cut_id           uuid REFERENCES cuts (id) ON DELETE SET NULL,
    client_visit_id  uuid,
    outcome          visit_outcome NOT NULL,
    support_level    support_level,
    sign_requested   boolean NOT NULL DEFAULT false,
    sign_size        text,
    notes            text,
    duration_seconds integer CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    visited_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT canvass_visits_session_id_client_visit_id_key UNIQUE (session_id, client_visit_id)
);
-- walk list: latest visit per address
CREATE INDEX canvass_visits_address_id_visited_at_idx ON canvass_visits (address_id, visited_at DESC);
CREATE INDEX canvass_visits_user_id_idx ON canvass_visits (user_id);
CREATE INDEX canvass_visits_shift_id_idx ON canvass_visits (shift_id);
CREATE INDEX canvass_visits_cut_id_idx ON canvass_visits (cut_id);

CREATE TABLE tracking_sessions (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    canvass_session_id uuid REFERENCES canvass_sessions (id) ON DELETE SET NULL,
    started_at         timestamptz NOT NULL DEFAULT now(),
    ended_at           timestamptz,
    is_active          boolean NOT NULL DEFAULT true,
    total_points       integer NOT NULL DEFAULT 0 CHECK (total_points >= 0),
    total_distance_m   double precision NOT NULL DEFAULT 0 CHECK (total_distance_m >= 0),
    last_latitude      numeric(10,8),
    last_longitude     numeric(11,8),
    last_recorded_at   timestamptz,
    version            integer NOT NULL DEFAULT 0,
    CONSTRAINT tracking_sessions_canvass_session_id_key UNIQUE (canvass_session_id)
);
CREATE INDEX tracking_sessions_user_id_idx ON tracking_sessions (user_id);
CREATE INDEX tracking_sessions_is_active_last_recorded_at_idx ON tracking_sessions (is_active, last_recorded_at);

-- Hot insert path, hence a bigint identity key. (tracking_session_id, seq) dedupes client retries
-- (seq NULL for server-made points, which never collide).
CREATE TABLE track_points (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tracking_session_id uuid NOT NULL REFERENCES tracking_sessions (id) ON DELETE CASCADE,
    seq                 bigint,
    latitude            numeric(10,8) NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude           numeric(11,8) NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    accuracy            double precision,
    recorded_at         timestamptz NOT NULL,
    event_type          track_point_event,
    CONSTRAINT track_points_tracking_session_id_seq_key UNIQUE (tracking_session_id, seq)
);
CREATE INDEX track_points_tracking_session_id_recorded_at_idx ON track_points (tracking_session_id, recorded_at);

-- ---------------------------------------------------------------------------
-- Email templates
-- ---------------------------------------------------------------------------
CREATE TABLE email_templates (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    key                text NOT NULL,
    name               text NOT NULL,
    description        text,
    category           email_template_category NOT NULL,
    subject_line       text NOT NULL,
    html_content       text NOT NULL,
    text_content       text NOT NULL,
    is_system          boolean NOT NULL DEFAULT false,
    is_active          boolean NOT NULL DEFAULT true,
    created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT email_templates_key_key UNIQUE (key)
);
CREATE INDEX email_templates_created_by_user_id_idx ON email_templates (created_by_user_id);
CREATE INDEX email_templates_updated_by_user_id_idx ON email_templates (updated_by_user_id);

CREATE TABLE email_template_variables (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    template_id    uuid NOT NULL REFERENCES email_templates (id) ON DELETE CASCADE,
    key            text NOT NULL,
    label          text NOT NULL,
    description    text,
    is_required    boolean NOT NULL DEFAULT false,
    is_conditional boolean NOT NULL DEFAULT false,
    sample_value   text,
    sort_order     integer NOT NULL DEFAULT 0,
    CONSTRAINT email_template_variables_template_id_key_key UNIQUE (template_id, key)
);

CREATE TABLE email_template_versions (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    template_id        uuid NOT NULL REFERENCES email_templates (id) ON DELETE CASCADE,
    version_number     integer NOT NULL CHECK (version_number > 0),
    subject_line       text NOT NULL,
    html_content       text NOT NULL,
    text_content       text NOT NULL,
    change_notes       text,
    created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT email_template_versions_template_id_version_number_key UNIQUE (template_id, version_number)
);
CREATE INDEX email_template_versions_template_id_created_at_idx ON email_template_versions (template_id, created_at DESC);
CREATE INDEX email_template_versions_created_by_user_id_idx ON email_template_versions (created_by_user_id);

CREATE TABLE email_template_test_logs (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    template_id     uuid NOT NULL REFERENCES email_templates (id) ON DELETE CASCADE,
    recipient_email text NOT NULL,
    test_data       jsonb,
    success         boolean NOT NULL,
    error_message   text,
    message_id      text,
    sent_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    sent_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_template_test_logs_template_id_sent_at_idx ON email_template_test_logs (template_id, sent_at DESC);
CREATE INDEX email_template_test_logs_sent_by_user_id_idx ON email_template_test_logs (sent_by_user_id);

-- ---------------------------------------------------------------------------
-- Landing pages
-- ---------------------------------------------------------------------------
CREATE TABLE landing_pages (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug               text NOT NULL,
    title              text NOT NULL,
    description        text,
    blocks             jsonb,
    html_output        text,
    css_output         text,
    editor_mode        editor_mode NOT NULL DEFAULT 'VISUAL',
    mkdocs_path        text,
    mkdocs_stub_path   text,
    mkdocs_export_mode mkdocs_export_mode NOT NULL DEFAULT 'THEMED',
    mkdocs_hide_nav    boolean NOT NULL DEFAULT true,
    mkdocs_hide_toc    boolean NOT NULL DEFAULT true,
    mkdocs_skip_export boolean NOT NULL DEFAULT false,
    published          boolean NOT NULL DEFAULT false,
    seo_title          text,
    seo_description    text,
    seo_image          text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT landing_pages_slug_key UNIQUE (slug)
);

CREATE TABLE page_blocks (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    type       text NOT NULL,
    label      text NOT NULL,
    schema     jsonb,
    defaults   jsonb,
    thumbnail  text,
    category   text,
    sort_order integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- ---------------------------------------------------------------------------
-- Site settings
-- ---------------------------------------------------------------------------
-- smtp_pass holds the AES-256-GCM ciphertext, never the plain password.
CREATE TABLE site_settings (
    id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_name         text NOT NULL DEFAULT 'Changemaker Lite',
    organization_short_name   text NOT NULL DEFAULT 'CM' CHECK (char_length(organization_short_name) <= 10),
    organization_logo_url     text,
    organization_favicon_url  text,
    admin_color_primary       text NOT NULL DEFAULT '#1890ff',
    admin_color_bg_base       text NOT NULL DEFAULT '#ffffff',
    public_color_primary      text NOT NULL DEFAULT '#3498db',
    public_color_bg_base      text NOT NULL DEFAULT '#0d1b2a',
    public_color_bg_container text NOT NULL DEFAULT '#1b2838',
    public_header_gradient    text,
    footer_text               text,
    login_subtitle            text,
    email_from_name           text,
    smtp_host                 text,
    smtp_port                 integer CHECK (smtp_port BETWEEN 1 AND 65535),
    smtp_user                 text,
    smtp_pass                 text,
    smtp_from_address         text,
    smtp_active_provider      text NOT NULL DEFAULT 'mailhog' CHECK (smtp_active_provider IN ('mailhog', 'production')),
    email_test_mode           boolean NOT NULL DEFAULT false,
    test_email_recipient      text,
    enable_influence          boolean NOT NULL DEFAULT true,
    enable_map                boolean NOT NULL DEFAULT true,
    enable_newsletter         boolean NOT NULL DEFAULT false,
    enable_landing_pages      boolean NOT NULL DEFAULT true,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
-- singleton: at most one row, upsert with ON CONFLICT ((true))
CREATE UNIQUE INDEX site_settings_singleton_key ON site_settings ((true));

-- ---------------------------------------------------------------------------
-- Media
-- ---------------------------------------------------------------------------
CREATE TABLE videos (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    path             text NOT NULL,
    filename         text NOT NULL,
    directory_type   directory_type NOT NULL,
    title            text,
    description      text,
    tags             jsonb NOT NULL DEFAULT '[]',
    duration_seconds double precision,
    width            integer,
    height           integer,
    orientation      text,
    codec            text,
    file_size        bigint,
    is_valid         boolean NOT NULL DEFAULT true,
    validation_error text,
    view_count       integer NOT NULL DEFAULT 0,
    like_count       integer NOT NULL DEFAULT 0,
    share_count      integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT videos_path_key UNIQUE (path)
);
CREATE INDEX videos_directory_type_is_valid_orientation_idx ON videos (directory_type, is_valid, orientation);

-- Generic background-job table: media jobs and map jobs (bulk geocode, NAR/CSV import) alike.
CREATE TABLE jobs (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    type               text NOT NULL,
    resource_category  resource_category NOT NULL DEFAULT 'cpu',
    status             job_status NOT NULL DEFAULT 'pending',
    progress           integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    processed          bigint NOT NULL DEFAULT 0 CHECK (processed >= 0),
    total              bigint CHECK (total IS NULL OR total >= 0),
    payload            jsonb NOT NULL DEFAULT '{}',
    result             jsonb,
    error              text,
    errors             jsonb NOT NULL DEFAULT '[]',
    attempts           integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_by_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    completed_at       timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_created_by_user_id_idx ON jobs (created_by_user_id);
-- worker poll: oldest waiting job per resource category
CREATE INDEX jobs_waiting_idx ON jobs (resource_category, created_at)
    WHERE status IN ('pending', 'queued');
CREATE INDEX jobs_status_created_at_idx ON jobs (status, created_at);

CREATE TABLE compilations (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title            text NOT NULL,
    description      text,
    video_ids        jsonb NOT NULL DEFAULT '[]',
    output_path      text,
    status           job_status NOT NULL DEFAULT 'pending',
    duration_seconds double precision,
    file_size        bigint,
    job_id           uuid REFERENCES jobs (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX compilations_job_id_idx ON compilations (job_id);
