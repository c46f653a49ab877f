-- The token issuer's rate-limit buckets moved to the platform's shared table (platform/0002-rate-limits.sql,
-- used by every service that limits a rate); its own table from 0002 is no longer read or written.
DROP TABLE IF EXISTS token_issuer_rate_limits;
