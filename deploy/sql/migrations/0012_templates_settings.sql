-- Email templates and site settings.
--
-- Outbox messages name a template and its variables (JSON) instead of carrying rendered text: the sender renders each
-- one when it sends it, from the template as it is then, and a message whose required variable is missing is marked
-- failed with the reason instead of being sent half rendered. Rows written before this migration keep their rendered
-- subject and bodies and are sent as they are.
ALTER TABLE outbox_messages
    ALTER COLUMN subject DROP NOT NULL,
    ALTER COLUMN text_body DROP NOT NULL,
    ADD COLUMN template_key  text,
    ADD COLUMN template_data jsonb,
    ADD CONSTRAINT outbox_messages_content_check CHECK (template_key IS NOT NULL OR (subject IS NOT NULL AND text_body IS NOT NULL));

-- The row version every write of a template checks and bumps (a second activation cannot overwrite silently). The
-- sender reads it with each message it leases and recompiles a cached template when it differs.
ALTER TABLE email_templates ADD COLUMN version integer NOT NULL DEFAULT 0;

-- The settings row's version (the settings grain's writes check and bump it), and a toggle for the media module.
ALTER TABLE site_settings
    ADD COLUMN version      integer NOT NULL DEFAULT 0,
    ADD COLUMN enable_media boolean NOT NULL DEFAULT true;

-- The SMTP password is stored encrypted ("v1:" + AES-256-GCM under SETTINGS_ENCRYPTION_KEY). A value written in clear
-- before cannot be told from a damaged one, so it is dropped: an admin enters it again.
UPDATE site_settings SET smtp_pass = NULL WHERE smtp_pass IS NOT NULL AND smtp_pass NOT LIKE 'v1:%';

-- System templates: one for every email the system sends. Each gets its first version and its declared variables.
-- A key an admin created already is left as it is.
CREATE FUNCTION pg_temp.add_system_template(p_key text, p_name text, p_description text, p_category email_template_category,
                                             p_subject text, p_html text, p_text text, p_variables jsonb) RETURNS void AS $$
DECLARE
    template uuid;
BEGIN
    INSERT INTO email_templates (key, name, description, category, subject_line, html_content, text_content, is_system, version)
    VALUES (p_key, p_name, p_description, p_category, p_subject, p_html, p_text, true, 1)
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

SELECT pg_temp.add_system_template('email-verification', 'Email verification',
    'Sent when an account is created: the link that confirms the address (valid 48 hours).', 'SYSTEM',
    'Confirm your email address',
    $html$<p>Hello{{#if NAME}} {{NAME}}{{/if}},</p>
<p>Please confirm your email address within 48 hours:</p>
<p><a href="{{VERIFY_URL}}">Confirm my email address</a></p>
<p>If you did not create an account, you can ignore this message.</p>
$html$,
    $text$Hello{{#if NAME}} {{NAME}}{{/if}},

Please confirm your email address by opening this link within 48 hours:
{{VERIFY_URL}}

If you did not create an account, you can ignore this message.
$text$,
    '[{"key": "NAME", "label": "Recipient name", "required": false, "conditional": true, "sample": "Alex Organizer"},
      {"key": "VERIFY_URL", "label": "Verification link", "required": true, "conditional": false, "sample": "https://campaign.example.org/verify-email?token=sample"}]');

SELECT pg_temp.add_system_template('password-reset', 'Password reset',
    'Sent on a password reset request: the link that sets a new password (valid one hour).', 'SYSTEM',
    'Reset your password',
    $html$<p>Someone asked to reset the password of this account.</p>
<p><a href="{{RESET_URL}}">Choose a new password</a> (the link works for one hour).</p>
<p>If it was not you, ignore this message: your password stays as it is.</p>
$html$,
    $text$Someone asked to reset the password of this account. To choose a new password, open this link within one hour:
{{RESET_URL}}

If it was not you, ignore this message: your password stays as it is.
$text$,
    '[{"key": "NAME", "label": "Recipient name", "required": false, "conditional": true, "sample": "Alex Organizer"},
      {"key": "RESET_URL", "label": "Reset link", "required": true, "conditional": false, "sample": "https://campaign.example.org/reset-password?token=sample"}]');

SELECT pg_temp.add_system_template('shift-signup-confirmed', 'Shift signup confirmed',
    'Sent to a volunteer whose signup for a shift is confirmed; carries a new temporary account''s sign-in details.', 'MAP',
    'You''re signed up: {{SHIFT_TITLE}}',
    $html$<p>Hello{{#if NAME}} {{NAME}}{{/if}},</p>
<p>You are signed up for <strong>{{SHIFT_TITLE}}</strong> on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}}{{#if SHIFT_LOCATION}} at {{SHIFT_LOCATION}}{{/if}}.</p>
{{#if TEMP_PASSWORD}}
<p>We created a temporary account for you so you can see your shift:<br>
email: <code>{{TEMP_EMAIL}}</code><br>
password: <code>{{TEMP_PASSWORD}}</code><br>
It works until {{TEMP_EXPIRES}} UTC.</p>
{{/if}}
<p>Thank you for volunteering!</p>
$html$,
    $text$Hello{{#if NAME}} {{NAME}}{{/if}},

You are signed up for "{{SHIFT_TITLE}}" on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}}{{#if SHIFT_LOCATION}} at {{SHIFT_LOCATION}}{{/if}}.
{{#if TEMP_PASSWORD}}

We created a temporary account for you so you can see your shift:
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
      {"key": "TEMP_EMAIL", "label": "Temporary account email", "required": false, "conditional": false, "sample": "sam@example.org"},
      {"key": "TEMP_PASSWORD", "label": "Temporary account password", "required": false, "conditional": true, "sample": "sample-password"},
      {"key": "TEMP_EXPIRES", "label": "Temporary account expiry", "required": false, "conditional": false, "sample": "2026-10-05 00:00"}]');

SELECT pg_temp.add_system_template('shift-signup-cancelled', 'Shift signup cancelled',
    'Sent to a volunteer whose signup was cancelled (by them or an admin).', 'MAP',
    'Signup cancelled: {{SHIFT_TITLE}}',
    $html$<p>Hello{{#if NAME}} {{NAME}}{{/if}},</p>
<p>Your signup for <strong>{{SHIFT_TITLE}}</strong> on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}} has been cancelled,
and your place is free for someone else.</p>
$html$,
    $text$Hello{{#if NAME}} {{NAME}}{{/if}},

Your signup for "{{SHIFT_TITLE}}" on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}} has been cancelled, and your place is free for someone else.
$text$,
    '[{"key": "NAME", "label": "Volunteer name", "required": false, "conditional": true, "sample": "Sam Volunteer"},
      {"key": "SHIFT_TITLE", "label": "Shift title", "required": true, "conditional": false, "sample": "Door knocking, Ward 6"},
      {"key": "SHIFT_DATE", "label": "Shift date", "required": true, "conditional": false, "sample": "2026-10-03"},
      {"key": "SHIFT_START", "label": "Start time", "required": true, "conditional": false, "sample": "10:00"},
      {"key": "SHIFT_END", "label": "End time", "required": true, "conditional": false, "sample": "13:00"}]');

SELECT pg_temp.add_system_template('shift-cancelled', 'Shift cancelled',
    'Sent to every confirmed volunteer of a shift that was cancelled.', 'MAP',
    'Shift cancelled: {{SHIFT_TITLE}}',
    $html$<p>Hello{{#if NAME}} {{NAME}}{{/if}},</p>
<p>The shift <strong>{{SHIFT_TITLE}}</strong> on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}}{{#if SHIFT_LOCATION}} at {{SHIFT_LOCATION}}{{/if}}
has been cancelled. You do not need to come.</p>
<p>Thank you for signing up; we hope to see you at another shift.</p>
$html$,
    $text$Hello{{#if NAME}} {{NAME}}{{/if}},

The shift "{{SHIFT_TITLE}}" on {{SHIFT_DATE}} from {{SHIFT_START}} to {{SHIFT_END}}{{#if SHIFT_LOCATION}} at {{SHIFT_LOCATION}}{{/if}} has been cancelled. You do not need to come.
Thank you for signing up; we hope to see you at another shift.
$text$,
    '[{"key": "NAME", "label": "Volunteer name", "required": false, "conditional": true, "sample": "Sam Volunteer"},
      {"key": "SHIFT_TITLE", "label": "Shift title", "required": true, "conditional": false, "sample": "Door knocking, Ward 6"},
      {"key": "SHIFT_DATE", "label": "Shift date", "required": true, "conditional": false, "sample": "2026-10-03"},
      {"key": "SHIFT_START", "label": "Start time", "required": true, "conditional": false, "sample": "10:00"},
      {"key": "SHIFT_END", "label": "End time", "required": true, "conditional": false, "sample": "13:00"},
      {"key": "SHIFT_LOCATION", "label": "Meeting place", "required": false, "conditional": true, "sample": "Community hall"}]');
