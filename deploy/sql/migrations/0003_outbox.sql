-- Outbound email goes through this table: whoever wants a message sent inserts a row in the same
-- transaction as the change that causes it (a signup, a password reset), and the silos' sender
-- delivers it. Mail is therefore never sent for a change that rolled back, and never lost for one
-- that committed.
CREATE TABLE outbox_messages (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL,
    to_address       text NOT NULL,
    to_name          text,
    subject          text NOT NULL,
    text_body        text NOT NULL,
    html_body        text,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    -- While a sender holds a message, no other sender may take it; a lease that runs out means the
    -- holder died somewhere between taking it and recording the outcome.
    locked_until     timestamptz,
    locked_by        text,
    last_error       text,
    sent_to          text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX outbox_messages_due_idx ON outbox_messages (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_messages_status_idx ON outbox_messages (status, created_at);
CREATE INDEX outbox_messages_to_address_idx ON outbox_messages (to_address);
