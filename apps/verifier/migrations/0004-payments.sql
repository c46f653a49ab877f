-- The payment path (docs/verifier.md): uploads, one row per transaction, its verdict, its settlement
-- and its signed confirmation.

-- One row per upload batch the first time it is seen. The id is derived from the terminal and the
-- batch's transactions (docs/verifier.md, "Upload"), so the same batch sent again finds its row.
CREATE TABLE verifier_upload_batches (
  batch_id          text        PRIMARY KEY,
  terminal_id       text        NOT NULL,
  uploaded_at       timestamptz NOT NULL,
  transaction_count integer     NOT NULL CHECK (transaction_count >= 0),
  accepted_count    integer     NOT NULL CHECK (accepted_count >= 0 AND accepted_count <= transaction_count)
);

-- One row per transaction id (the business key: content-derived, never the signature bytes). The
-- bytes are kept exactly as uploaded: verification reads them back and checks the signatures over
-- them. content_digest = SHA-256 over the signed content (request, authorization protected header,
-- approval protected header): equal digests are the same transaction, different ones a fraud signal.
CREATE TABLE verifier_transactions (
  transaction_id      text          PRIMARY KEY,
  transaction_bytes   bytea         NOT NULL,
  content_digest      bytea         NOT NULL,
  terminal_id         text          NOT NULL,
  merchant_id         text          NOT NULL,
  consumer_device_id  text          NOT NULL,
  consumer_key_id     text          NOT NULL,
  terminal_key_id     text          NOT NULL,
  device_counter      numeric(20,0) NOT NULL CHECK (device_counter >= 0),
  amount              bigint        NOT NULL CHECK (amount > 0),
  currency            text          NOT NULL,
  approved_at         timestamptz   NOT NULL,
  upload_batch_id     text          NOT NULL REFERENCES verifier_upload_batches (batch_id),
  uploaded_at         timestamptz   NOT NULL,
  status              text          NOT NULL CHECK (status IN ('received', 'verified', 'rejected', 'settled', 'settlement-failed')),
  -- payment.rejected's or payment.settlement-failed's code; null otherwise.
  reason_code         text,
  -- Known once verified (from the device's enrolment).
  consumer_account_id text,
  decided_at          timestamptz,
  settled_at          timestamptz,
  entry_id            text,
  -- The signed processor confirmation, once the transaction is final (settled, rejected, or
  -- settlement failed); confirmation_seq orders confirmations for the cursors of POS and phone.
  confirmation        bytea,
  confirmation_seq    bigint        UNIQUE,
  confirmed_at        timestamptz,
  CHECK ((status IN ('rejected', 'settlement-failed')) = (reason_code IS NOT NULL)),
  CHECK ((confirmation IS NULL) = (confirmation_seq IS NULL))
);
CREATE SEQUENCE verifier_confirmation_seq AS bigint;
CREATE INDEX verifier_transactions_terminal_confirmations ON verifier_transactions (terminal_id, confirmation_seq) WHERE confirmation_seq IS NOT NULL;
CREATE INDEX verifier_transactions_device_confirmations ON verifier_transactions (consumer_device_id, confirmation_seq) WHERE confirmation_seq IS NOT NULL;
-- Offline spend per device and currency in a check-in window (cumulative cap).
CREATE INDEX verifier_transactions_device_spend ON verifier_transactions (consumer_device_id, currency, approved_at) WHERE status IN ('verified', 'settled', 'settlement-failed');
-- End-of-day reconciliation: what a terminal uploaded in a period.
CREATE INDEX verifier_transactions_terminal_approved ON verifier_transactions (terminal_id, approved_at);

-- The counters each device has used (DESIGN §5), kept for the presentment window: uploads from
-- several terminals arrive out of order, so gaps are normal and only an exact repeat is refused.
CREATE TABLE verifier_device_counters (
  device_id      text          NOT NULL,
  device_counter numeric(20,0) NOT NULL,
  transaction_id text          NOT NULL,
  approved_at    timestamptz   NOT NULL,
  PRIMARY KEY (device_id, device_counter)
);
CREATE INDEX verifier_device_counters_approved ON verifier_device_counters (approved_at);

-- An upload whose transaction id is known with other signed content: never stored as a
-- transaction, recorded once per distinct content with the fraud signal it raised.
CREATE TABLE verifier_conflicting_uploads (
  transaction_id    text        NOT NULL,
  content_digest    bytea       NOT NULL,
  transaction_bytes bytea       NOT NULL,
  terminal_id       text        NOT NULL,
  uploaded_at       timestamptz NOT NULL,
  signal_id         text        NOT NULL,
  PRIMARY KEY (transaction_id, content_digest)
);
