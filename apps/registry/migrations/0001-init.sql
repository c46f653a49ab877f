-- The registry service's schema starts here; its tables arrive with the issues that need them.
-- (Applied as namespace "registry"; the platform's admin_audit_log is migration platform/0001.)
SELECT 1;
