-- Transactional outbox: events are written here in the same transaction as the state change they
-- describe, and relayed to Kafka by the service. A row is deleted once Kafka has acknowledged it.
CREATE TABLE messaging_outbox (
  id           bigserial   PRIMARY KEY,
  event_id     uuid        NOT NULL UNIQUE,
  topic        text        NOT NULL,
  message_key  text        NOT NULL,
  -- hash(message_key) mod the bucket count: one relay owns a bucket at a time, which keeps each key's
  -- events in order even with several replicas relaying.
  bucket       smallint    NOT NULL,
  -- The serialised envelope, byte for byte what Kafka receives (JSON is text: no hex round trip).
  value        text        NOT NULL,
  headers      jsonb       NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messaging_outbox_bucket_id ON messaging_outbox (bucket, id);

-- Consumer inbox: one row per event a consumer group has applied, written in the same transaction as
-- the effect. A redelivered event finds its row and is skipped. Effect tables also carry their own
-- unique business keys, so pruning old inbox rows never lets a replayed event apply twice.
CREATE TABLE messaging_inbox (
  consumer_group  text        NOT NULL,
  event_id        uuid        NOT NULL,
  topic           text        NOT NULL,
  kafka_partition integer     NOT NULL,
  kafka_offset    bigint      NOT NULL,
  processed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);
CREATE INDEX messaging_inbox_processed_at ON messaging_inbox (processed_at);
