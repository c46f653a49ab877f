// Support for the integration and end-to-end tests (imported as @settle/test-support).
export * from './postgres';
export * from './kafka-broker';
