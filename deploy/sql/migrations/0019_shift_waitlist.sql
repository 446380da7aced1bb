-- Shift waitlists (docs/shifts.md "Waitlist").
--
-- A full shift takes further signups as WAITLISTED, served in the order they were taken. The shift grain keeps the
-- shift's waitlist length beside its count, under the same version check, and promotes the first in line whenever a
-- place frees (a confirmed signup cancelled, the capacity raised).
--
-- The new enum value is added here but not used in this file: a value added by ALTER TYPE ... ADD VALUE cannot be used
-- before its transaction commits, and each migration file runs in one transaction.
ALTER TYPE signup_status ADD VALUE IF NOT EXISTS 'WAITLISTED';

-- The order signups were taken in: the waitlist is served in it, and a waitlisted signup's position is its rank in it.
-- A sequence rather than signup_date, so signups committed together (one timestamp) keep their arrival order; a cancelled
-- signup taken again gets a new number and joins the end of the line.
CREATE SEQUENCE shift_signups_signup_order_seq;
ALTER TABLE shift_signups ADD COLUMN signup_order bigint NOT NULL DEFAULT nextval('shift_signups_signup_order_seq');
ALTER SEQUENCE shift_signups_signup_order_seq OWNED BY shift_signups.signup_order;
CREATE INDEX shift_signups_line_idx ON shift_signups (shift_id, status, signup_order);

-- waitlist_count: the shift's WAITLISTED signups, written only by its grain with the count.
-- kept_volunteers: an admin may lower the capacity below the confirmed signups, which keep their places; the capacity
-- check then allows the count kept at that moment and no more, and it only falls from there (each write of the count
-- keeps the lesser of the two), so no signup is ever confirmed past the capacity.
ALTER TABLE shifts
    ADD COLUMN waitlist_count  integer NOT NULL DEFAULT 0,
    ADD COLUMN kept_volunteers integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT shifts_waitlist_count_check CHECK (waitlist_count >= 0),
    DROP CONSTRAINT shifts_capacity_check,
    -- last line of defence behind the capacity rule of the shift grain
    ADD CONSTRAINT shifts_capacity_check CHECK (current_volunteers <= GREATEST(max_volunteers, kept_volunteers));

CREATE OR REPLACE FUNCTION pg_temp.add_waitlist_template(p_key text, p_name text, p_description text,
                                                         p_subject text, p_html text, p_text text, p_variables jsonb) RETURNS void AS $$
DECLARE
    template uuid;
BEGIN
    INSERT INTO email_templates (key, name, description, category, subject_line, html_content, text_content, is_system, version)
    VALUES (p_key, p_name, p_description, 'MAP', p_subject, p_html, p_text, true, 1)
    ON CONFLICT (key) DO NOTHING
    RETURNING id INTO template;
    IF template IS NULL THEN RETURN; END IF;
    INSERT INTO email_template_versions (template_id, version_number, subject_line, html_content, text_content, change_notes)
    VALUES (template, 1, p_subject, p_html, p_text, 'System template');
    INSERT INTO email_template_variables (template_id, key, label, is_required, is_conditional, sample_value, sort_order)
    SELECT template, e.v->>'key', e.v->>'label', (e.v->>'required')::boolean, (e.v->>'conditional')::boolean, e.v->>'sample', e.ord::int - 1
    FROM jsonb_array_elements(p_variables) WITH ORDINALITY AS e(v, ord);
END
$$ LANGUAGE plpgsql;

SELECT pg_temp.add_waitlist_template('shift-waitlisted', 'Shift waitlist joined',
    'Sent to a volunteer who signed up for a full shift and is on its waitlist; carries a new temporary account''s sign-in details.',
    'You''re on the waitlist: {{SHIFT_TITLE}}',
    $html$<p>Hello{{#if NAME}} {{NAME}}{{/if}},</p>
<p><strong>{{SHIFT_TITLE}}</strong> on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}}{{#if SHIFT_LOCATION}} at {{SHIFT_LOCATION}}{{/if}} is full, so you are on its waitlist
(number {{WAITLIST_POSITION}} in line). If a place frees, the first in line gets it and we email you at once.</p>
{{#if TEMP_PASSWORD}}
<p>We created a temporary account for you so you can see your place in line:<br>
email: <code>{{TEMP_EMAIL}}</code><br>
password: <code>{{TEMP_PASSWORD}}</code><br>
It works until {{TEMP_EXPIRES}} UTC.</p>
{{/if}}
<p>Thank you for volunteering!</p>
$html$,
    $text$Hello{{#if NAME}} {{NAME}}{{/if}},

"{{SHIFT_TITLE}}" on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}}{{#if SHIFT_LOCATION}} at {{SHIFT_LOCATION}}{{/if}} is full, so you are on its waitlist (number {{WAITLIST_POSITION}} in line). If a place frees, the first in line gets it and we email you at once.
{{#if TEMP_PASSWORD}}

We created a temporary account for you so you can see your place in line:
  email: {{TEMP_EMAIL}}
  password: {{TEMP_PASSWORD}}
It works until {{TEMP_EXPIRES}} UTC.
{{/if}}

Thank you for volunteering!
$text$,
    '[{"key": "NAME", "label": "Volunteer name", "required": false, "conditional": true, "sample": "Sam Volunteer"},
      {"key": "SHIFT_TITLE", "label": "Shift title", "required": true, "conditional": false, "sample": "Door knocking, Ward 6"},
      {"key": "SHIFT_DATE", "label": "Shift date", "required": true, "conditional": false, "sample": "2026-10-03"},
      {"key": "SHIFT_START", "label": "Start time", "required": true, "conditional": false, "sample": "10:00"},
      {"key": "SHIFT_END", "label": "End time", "required": true, "conditional": false, "sample": "13:00"},
      {"key": "SHIFT_LOCATION", "label": "Meeting place", "required": false, "conditional": true, "sample": "Community hall"},
      {"key": "WAITLIST_POSITION", "label": "Place in line", "required": true, "conditional": false, "sample": "3"},
      {"key": "TEMP_EMAIL", "label": "Temporary account email", "required": false, "conditional": false, "sample": "sam@example.org"},
      {"key": "TEMP_PASSWORD", "label": "Temporary account password", "required": false, "conditional": true, "sample": "sample-password"},
      {"key": "TEMP_EXPIRES", "label": "Temporary account expiry", "required": false, "conditional": false, "sample": "2026-10-05 00:00"}]');

SELECT pg_temp.add_waitlist_template('shift-waitlist-promoted', 'Shift waitlist promoted',
    'Sent to a volunteer on a shift''s waitlist who was just given a place (a place freed or the shift grew).',
    'A place opened up: {{SHIFT_TITLE}}',
    $html$<p>Hello{{#if NAME}} {{NAME}}{{/if}},</p>
<p>A place opened up on <strong>{{SHIFT_TITLE}}</strong> on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}}{{#if SHIFT_LOCATION}} at {{SHIFT_LOCATION}}{{/if}},
and you were first in line: you are now signed up.</p>
<p>If you can no longer come, please cancel your signup so the next in line gets the place.</p>
$html$,
    $text$Hello{{#if NAME}} {{NAME}}{{/if}},

A place opened up on "{{SHIFT_TITLE}}" on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}}{{#if SHIFT_LOCATION}} at {{SHIFT_LOCATION}}{{/if}}, and you were first in line: you are now signed up.

If you can no longer come, please cancel your signup so the next in line gets the place.
$text$,
    '[{"key": "NAME", "label": "Volunteer name", "required": false, "conditional": true, "sample": "Sam Volunteer"},
      {"key": "SHIFT_TITLE", "label": "Shift title", "required": true, "conditional": false, "sample": "Door knocking, Ward 6"},
      {"key": "SHIFT_DATE", "label": "Shift date", "required": true, "conditional": false, "sample": "2026-10-03"},
      {"key": "SHIFT_START", "label": "Start time", "required": true, "conditional": false, "sample": "10:00"},
      {"key": "SHIFT_END", "label": "End time", "required": true, "conditional": false, "sample": "13:00"},
      {"key": "SHIFT_LOCATION", "label": "Meeting place", "required": false, "conditional": true, "sample": "Community hall"}]');
