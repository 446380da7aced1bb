-- Registration and its mail (docs/api/auth.md "Register").
--
-- Registering answers the same whether or not the address has an account; what happens is told by mail:
-- * no account: a new one, and the verification link;
-- * only a TEMP account (active or expired): the registration waits here as a claim, and the verification link takes
--   the account over (it becomes a USER with the new password) once the address's owner opens it;
-- * any other account: nothing changes, and the owner is told they already have an account and how to reset its password.
CREATE TABLE account_claims (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    text NOT NULL,
    password_hash text NOT NULL,
    name          text NOT NULL,
    phone         text,
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT account_claims_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX account_claims_user_id_idx ON account_claims (user_id);

CREATE OR REPLACE FUNCTION pg_temp.add_auth_template(p_key text, p_name text, p_description text,
                                                     p_subject text, p_html text, p_text text, p_variables jsonb) RETURNS void AS $$
DECLARE
    template uuid;
BEGIN
    INSERT INTO email_templates (key, name, description, category, subject_line, html_content, text_content, is_system, version)
    VALUES (p_key, p_name, p_description, 'SYSTEM', p_subject, p_html, p_text, true, 1)
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

SELECT pg_temp.add_auth_template('account-exists', 'Account already exists',
    'Sent when someone registers with an address that already has an account: nothing was changed; the link resets the password.',
    'You already have an account',
    $html$<p>Hello{{#if NAME}} {{NAME}}{{/if}},</p>
<p>Someone asked to register a new account with this email address, which already has one. Nothing was changed.</p>
<p>If it was you and you do not remember your password, <a href="{{RESET_URL}}">choose a new one here</a>.</p>
<p>If it was not you, you can ignore this message.</p>
$html$,
    $text$Hello{{#if NAME}} {{NAME}}{{/if}},

Someone asked to register a new account with this email address, which already has one. Nothing was changed.

If it was you and you do not remember your password, choose a new one here:
{{RESET_URL}}

If it was not you, you can ignore this message.
$text$,
    '[{"key": "NAME", "label": "Account holder name", "required": false, "conditional": true, "sample": "Alex Organizer"},
      {"key": "RESET_URL", "label": "Password reset page", "required": true, "conditional": false, "sample": "https://campaign.example.org/forgot-password"}]');
