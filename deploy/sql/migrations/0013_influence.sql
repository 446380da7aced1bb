-- Influence: what the campaign, send and response-wall rules need beyond the tables of 0002.

-- A campaign is written by its grain only, under a version check; user submissions wait for review.
ALTER TABLE campaigns
    ADD COLUMN version integer NOT NULL DEFAULT 0,
    ADD COLUMN submitted_for_review boolean NOT NULL DEFAULT false;

-- Exactly one message per (send request, recipient): a replay of the same idempotency key finds its rows.
ALTER TABLE campaign_emails
    ADD COLUMN idempotency_key text,
    ADD COLUMN outbox_message_id uuid,
    ADD COLUMN mailto_url text,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX campaign_emails_idempotency_key ON campaign_emails (campaign_id, idempotency_key, lower(recipient_email))
    WHERE idempotency_key IS NOT NULL;
CREATE UNIQUE INDEX campaign_emails_outbox_message_id_key ON campaign_emails (outbox_message_id) WHERE outbox_message_id IS NOT NULL;

-- The representative's verify and report links: both single use, valid until verification_expires_at.
ALTER TABLE representative_responses
    ADD COLUMN report_token text,
    ADD COLUMN verification_expires_at timestamptz,
    ADD COLUMN token_used_at timestamptz,
    ADD COLUMN reported_at timestamptz;
CREATE UNIQUE INDEX representative_responses_report_token_key ON representative_responses (report_token)
    WHERE report_token IS NOT NULL;
CREATE INDEX representative_responses_campaign_id_created_idx ON representative_responses (campaign_id, created_at);

-- Postal-code lookups read a code's representatives; the cache sweep and the admin view read by age.
CREATE INDEX calls_campaign_id_called_at_idx ON calls (campaign_id, called_at);
CREATE INDEX custom_recipients_campaign_id_active_idx ON custom_recipients (campaign_id) WHERE is_active;

-- A campaign email's delivery is reported by the outbox itself: whenever the sender records an attempt on a
-- message that carries a campaign email, the email's status follows (SENT, or FAILED once the sender gives up)
-- and the attempt is written to email_logs. The sender stays unaware of campaigns.
CREATE FUNCTION influence_outbox_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    outcome text;
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'sent' THEN
        outcome := 'sent';
    ELSIF NEW.status = 'failed' OR (OLD.status = 'sending' AND NEW.status = 'pending' AND NEW.last_error IS NOT NULL) THEN
        outcome := 'failed';
    ELSE
        RETURN NEW;
    END IF;
    IF NEW.status IN ('sent', 'failed') THEN
        UPDATE campaign_emails
        SET status = CASE WHEN NEW.status = 'sent' THEN 'SENT'::campaign_email_status ELSE 'FAILED'::campaign_email_status END,
            sent_at = CASE WHEN NEW.status = 'sent' THEN coalesce(NEW.sent_at, now()) ELSE sent_at END,
            updated_at = now()
        WHERE outbox_message_id = NEW.id;
    END IF;
    INSERT INTO email_logs (recipient_email, sender_name, sender_email, subject, message, postal_code, status, sender_ip, sent_at)
    SELECT e.recipient_email, e.user_name, e.user_email, e.subject,
           CASE WHEN outcome = 'failed' THEN coalesce(NEW.last_error, 'failed') ELSE NULL END,
           e.user_postal_code, outcome, e.sender_ip, now()
    FROM campaign_emails e WHERE e.outbox_message_id = NEW.id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER outbox_messages_influence_outcome
    AFTER UPDATE OF status ON outbox_messages
    FOR EACH ROW WHEN (NEW.kind = 'campaign-email' AND NEW.status IS DISTINCT FROM OLD.status)
    EXECUTE FUNCTION influence_outbox_outcome();

-- The influence module's system templates, rendered by the outbox sender like every other email.
CREATE OR REPLACE FUNCTION pg_temp.add_influence_template(p_key text, p_name text, p_description text,
                                                          p_subject text, p_html text, p_text text, p_variables jsonb) RETURNS void AS $$
DECLARE
    template uuid;
BEGIN
    INSERT INTO email_templates (key, name, description, category, subject_line, html_content, text_content, is_system, version)
    VALUES (p_key, p_name, p_description, 'INFLUENCE', p_subject, p_html, p_text, true, 1)
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

SELECT pg_temp.add_influence_template('campaign-email', 'Campaign email',
    'A supporter''s email to a representative, sent through a campaign: its subject and body as the supporter sends them, signed with what the campaign collects.',
    '{{SUBJECT}}',
    $html$<div style="white-space: pre-wrap">{{BODY}}</div>
{{#if SIGNATURE}}<p style="white-space: pre-wrap">--
{{SIGNATURE}}</p>{{/if}}
$html$,
    $text${{BODY}}
{{#if SIGNATURE}}

--
{{SIGNATURE}}{{/if}}
$text$,
    '[{"key": "SUBJECT", "label": "Subject", "required": true, "conditional": false, "sample": "Please support the transit plan"},
      {"key": "BODY", "label": "Message", "required": true, "conditional": false, "sample": "Dear representative, I ask you to vote for the plan."},
      {"key": "SIGNATURE", "label": "Sender name, email and postal code", "required": false, "conditional": true, "sample": "Alex Organizer\nalex@example.org\nK1A 0B1"}]');

SELECT pg_temp.add_influence_template('response-verification', 'Response verification',
    'Sent to a representative named on the response wall: links to confirm or report the response (each single use, 30 days).',
    'Please confirm your response on "{{CAMPAIGN_TITLE}}"',
    $html$<p>Hello {{REPRESENTATIVE_NAME}},</p>
<p>A constituent posted the following as your response on the campaign <strong>{{CAMPAIGN_TITLE}}</strong>:</p>
<blockquote style="white-space: pre-wrap">{{RESPONSE_TEXT}}</blockquote>
<p><a href="{{VERIFY_URL}}">Yes, this is my response</a> · <a href="{{REPORT_URL}}">No, report it</a></p>
<p>Each link works once, until {{EXPIRES_ON}} (UTC).</p>
$html$,
    $text$Hello {{REPRESENTATIVE_NAME}},

A constituent posted the following as your response on the campaign "{{CAMPAIGN_TITLE}}":

{{RESPONSE_TEXT}}

If this is your response, confirm it: {{VERIFY_URL}}
If it is not, report it: {{REPORT_URL}}

Each link works once, until {{EXPIRES_ON}} (UTC).
$text$,
    '[{"key": "REPRESENTATIVE_NAME", "label": "Representative name", "required": true, "conditional": false, "sample": "Jane Doe"},
      {"key": "CAMPAIGN_TITLE", "label": "Campaign title", "required": true, "conditional": false, "sample": "Save the library"},
      {"key": "RESPONSE_TEXT", "label": "Response text", "required": true, "conditional": false, "sample": "I will vote for the plan."},
      {"key": "VERIFY_URL", "label": "Verify link", "required": true, "conditional": false, "sample": "https://campaign.example.org/api/public/responses/verify/sample"},
      {"key": "REPORT_URL", "label": "Report link", "required": true, "conditional": false, "sample": "https://campaign.example.org/api/public/responses/report/sample"},
      {"key": "EXPIRES_ON", "label": "Links valid until", "required": true, "conditional": false, "sample": "2027-01-03"}]');
