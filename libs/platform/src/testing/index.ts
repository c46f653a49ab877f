// Test support for services built on the platform (imported as @settle/platform/testing; tests only).
export * from './test-service';
export * from './service-shell-checks';
