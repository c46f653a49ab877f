// Support for the integration and end-to-end tests (imported as @settle/test-support).
export * from './postgres';
export * from './service';
export * from './kafka-broker';
