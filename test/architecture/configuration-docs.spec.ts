// docs/configuration.md is the operator's reference: every variable any service reads must be in it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
/* eslint-disable @nx/enforce-module-boundaries -- applications have no package alias; this test reads their configuration */
import { serviceDefinition as ledger } from '../../apps/ledger/src/service-definition';
import { serviceDefinition as registry } from '../../apps/registry/src/service-definition';
import { serviceDefinition as tokenIssuer } from '../../apps/token-issuer/src/service-definition';
import { serviceDefinition as verifier } from '../../apps/verifier/src/service-definition';
/* eslint-enable @nx/enforce-module-boundaries */

const document = readFileSync(path.join(__dirname, '../../docs/configuration.md'), 'utf8');

describe('docs/configuration.md', () => {
  it.each(
    [registry, verifier, ledger, tokenIssuer].map(
      (definition) => [definition.name, definition] as const,
    ),
  )('lists every variable the %s service reads', (_name, definition) => {
    const undocumented = Object.keys(definition.config).filter(
      (variable) => !document.includes(`| \`${variable}\` |`),
    );
    expect(undocumented).toEqual([]);
  });
});
