-- The verifier service's schema starts here; its tables arrive with the issues that need them.
-- (Applied as namespace "verifier"; the platform's admin_audit_log is migration platform/0001.)
SELECT 1;
