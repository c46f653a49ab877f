// One Jest configuration, three projects: `unit` (*.spec.ts, pure and fast), `integration`
// (*.int-spec.ts and test/e2e, against the real PostgreSQL and Kafka) and `faults`
// (test/e2e/*.faults-spec.ts: minutes long, against a Kafka of their own; the last step of `npm test`).
const { readFileSync } = require('node:fs');

const swc = JSON.parse(readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
delete swc.jsc.baseUrl;
delete swc.jsc.paths;

// Packages published only as ES modules are compiled to CommonJS for Jest.
const esmOnlyPackages = ['jose', '@noble', '@scure', 'cbor2', '@cto\\.af'];

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', { ...swc, swcrc: false }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages.join('|')})/)`],
  moduleNameMapper: {
    '^@settle/test-support$': '<rootDir>/test/support/index.ts',
    '^@settle/service-stack$': '<rootDir>/test/support/stack/index.ts',
    '^@settle/load-driver$': '<rootDir>/test/support/load/index.ts',
    '^@settle/platform/testing$': '<rootDir>/libs/platform/src/testing/index.ts',
    '^@settle/attestation/testing$': '<rootDir>/libs/attestation/src/testing/index.ts',
    '^@settle/demo$': '<rootDir>/demo/src/index.ts',
    '^@settle/resource-guard/testing$': '<rootDir>/libs/resource-guard/src/testing/index.ts',
    '^@settle/messaging/testing$': '<rootDir>/libs/messaging/src/testing/index.ts',
    '^@settle/protocol/testing$': '<rootDir>/libs/protocol/src/testing/index.ts',
    '^@settle/(contracts|crypto|protocol)/(.*)$': '<rootDir>/libs/$1/src/$2',
    '^@settle/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
  },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.cache/', '<rootDir>/demo/output/'],
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/{apps,libs,demo,bench}/**/*.spec.ts',
        '<rootDir>/test/architecture/**/*.spec.ts',
      ],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts', '<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      globalTeardown: '<rootDir>/test/support/global-teardown.js',
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.js'],
    },
    // Long runs against a stack and a Kafka of their own, run after the others by `npm test` (or alone: `npm run test:faults`).
    {
      ...shared,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/e2e/**/*.faults-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.js'],
    },
  ],
};
