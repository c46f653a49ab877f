// Lint: TypeScript rules plus the architecture. Domain code (libs tagged type:domain, and inside apps
// every *.decider.ts and domain/ folder) may not import a framework or an I/O client: Nest, TypeORM,
// pg, kafkajs, OpenTelemetry. Nx's module-boundary rule enforces it per project; a restricted-imports
// rule enforces it per file inside the apps.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const frameworkAndIoPackages = [
  '@nestjs/*',
  'typeorm',
  'pg',
  'pg-*',
  'kafkajs',
  '@opentelemetry/*',
  'express',
];

const moduleBoundaries = (allow) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow,
    depConstraints: [
      {
        sourceTag: 'type:domain',
        onlyDependOnLibsWithTags: ['type:domain'],
        bannedExternalImports: frameworkAndIoPackages,
      },
      // The offline protocol's layers: crypto at the bottom imports no other library; the protocol
      // (libs/protocol) imports only crypto. Event contracts, the device SDK and the apps build on both.
      { sourceTag: 'layer:crypto', onlyDependOnLibsWithTags: ['layer:crypto'] },
      { sourceTag: 'layer:protocol', onlyDependOnLibsWithTags: ['layer:crypto', 'layer:protocol'] },
      {
        sourceTag: 'type:infrastructure',
        onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure'],
      },
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure'] },
      {
        sourceTag: 'type:test-support',
        onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:test-support'],
      },
      {
        sourceTag: 'type:test',
        onlyDependOnLibsWithTags: [
          'type:domain',
          'type:infrastructure',
          'type:app',
          'type:test-support',
        ],
      },
    ],
  },
];

/**
 * Files that still hold a function over the length limit below (counted after Prettier's layout, when
 * the rule came in). The list only shrinks: split the function, then delete its file here.
 */
const functionsStillTooLong = [
  'apps/ledger/src/check-journal/read-topics-to-end.ts',
  'apps/ledger/src/check-journal/rebuild-from-topic.ts',
  'apps/ledger/src/settle-payment/settle-payment.consumer.ts',
  'apps/ledger/src/settle-payment/settle-payment.decider.ts',
  'apps/ledger/src/statements/statement-queries.ts',
  'apps/registry/src/check-in/check-in.handler.ts',
  'apps/registry/src/register-keys/register-keys.handler.ts',
  'apps/token-issuer/src/sessions/session.handler.ts',
  'apps/verifier/src/attestation/attestation-requests.consumer.ts',
  'libs/attestation/src/webauthn-packed/verify-webauthn-packed.ts',
  'libs/contracts/src/validation.ts',
  'libs/device-sdk/src/pcd/pcd-wallet.ts',
  'libs/device-sdk/src/pos/pos-terminal.ts',
  'libs/device-session/src/bound-connection.ts',
  'libs/platform/src/bootstrap/bootstrap-service.ts',
  'libs/platform/src/config/service-config.ts',
  'libs/resource-guard/src/authenticate/request-authenticator.ts',
  'libs/resource-guard/src/dpop/verify-dpop-proof.ts',
  'libs/resource-guard/src/nest/resource-guard.module.ts',
  'libs/sound-link/src/cli.ts',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.cache/**',
      '.nx/**',
      'coverage/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries([]),
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['apps/**/*.decider.ts', 'apps/**/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: frameworkAndIoPackages,
              message: 'Domain code imports no framework or I/O package.',
            },
          ],
        },
      ],
    },
  },
  {
    // Nest resolves constructor parameters from emitted metadata: a type-only import would erase it.
    files: ['apps/**/*.ts', 'libs/messaging/**/*.ts', 'libs/platform/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // Tests (and only tests) may use the shared integration-test support.
    files: [
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      '**/testing/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
    ],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(['@settle/test-support']),
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // TIGER_STYLE's limit: a function fits on a screen. Production code only; a test's describe block
    // is a list of cases, not a function to read at once.
    files: ['apps/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.int-spec.ts', '**/testing/**', ...functionsStillTooLong],
    rules: {
      'max-lines-per-function': ['error', { max: 70, skipBlankLines: true, skipComments: true }],
    },
  },
);
