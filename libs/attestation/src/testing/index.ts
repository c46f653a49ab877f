// Test support (imported as @settle/attestation/testing): synthetic attestation evidence and the small
// PKI behind it, for tests and for the demo (demo/), whose verifier trusts a test CA made with it.
// Never trusted by a production policy.
export * from './test-pki';
export * from './android-evidence';
export * from './webauthn-evidence';
export * from './apple-evidence';
