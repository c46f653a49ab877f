-- DPoP proof ids are recorded by the resource guard's code in its table (resource-guard/0002-dpop-replay.sql,
-- keyed by key thumbprint and jti), the one replay rule of the guard and the issuer; the issuer's own
-- table from 0002 is no longer read or written.
DROP TABLE IF EXISTS token_issuer_dpop_proofs;
