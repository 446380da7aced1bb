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
