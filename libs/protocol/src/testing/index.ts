// Test support of the offline protocol (imported as @settle/protocol/testing; tests, benches and the
// demo's simulated devices only): fixed test keys, the fixture structures and the golden fixtures
// in libs/protocol/fixtures.
export {
  buildProtocolFixtures,
  fixtureDeviceCredential,
  fixtureFileText,
  fixtureLargestRequest,
  fixtureRequest,
  fixtureTerminalCredential,
  listProtocolFixtures,
  protocolFixturesDirectory,
  readProtocolFixture,
  testPrivateJwks,
  testPublicKey,
  testSigner,
} from './protocol-fixtures';
