-- Token buckets of every rate limit a service enforces (rate-limits.ts), shared by all its replicas:
-- one row per bucket, named by the service ('ip:<address>', 'key:<keyId>', 'upload:<terminalId>').
-- Capacity (the burst) and refill rate are the caller's at its last request, so a configuration
-- change applies at once. `allowed` says whether that last request got a token.
CREATE TABLE platform_rate_limits (
  bucket      text             PRIMARY KEY,
  capacity    double precision NOT NULL CHECK (capacity >= 1),
  per_second  double precision NOT NULL CHECK (per_second > 0),
  tokens      double precision NOT NULL,
  refilled_at timestamptz      NOT NULL,
  allowed     boolean          NOT NULL
);
-- The sweep of idle buckets (deleteIdleRateLimitBuckets).
CREATE INDEX platform_rate_limits_refilled_at ON platform_rate_limits (refilled_at);
