// Lint: TypeScript rules plus the architecture. Domain code (libs tagged type:domain, and inside apps
// every *.decider.ts and domain/ folder) may not import a framework or an I/O client: Nest, TypeORM,
// pg, kafkajs, OpenTelemetry. Nx's module-boundary rule enforces it per project; a restricted-imports
// rule enforces it per file inside the apps.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const frameworkAndIoPackages = ['@nestjs/*', 'typeorm', 'pg', 'pg-*', 'kafkajs', '@opentelemetry/*', 'express'];

const moduleBoundaries = (allow) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow,
    depConstraints: [
      { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: frameworkAndIoPackages },
      { sourceTag: 'type:infrastructure', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure'] },
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure'] },
      { sourceTag: 'type:test-support', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:test-support'] },
      { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:domain', 'type:infrastructure', 'type:app', 'type:test-support'] },
    ],
  },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.cache/**', '.nx/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries([]),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    files: ['apps/**/*.decider.ts', 'apps/**/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: frameworkAndIoPackages, message: 'Domain code imports no framework or I/O package.' }] },
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
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/testing/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(['@settle/test-support']),
      'no-console': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
