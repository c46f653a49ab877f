// docs/configuration.md lists every variable a service reads; the services that add this fragment are
// checked by test/architecture, this checks the fragment itself (also before any service adds it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resourceGuardConfig } from './resource-guard-config';

describe('docs/configuration.md', () => {
  it('lists every variable of resourceGuardConfig', () => {
    const document = readFileSync(
      path.join(__dirname, '../../../../docs/configuration.md'),
      'utf8',
    );
    const undocumented = Object.keys(resourceGuardConfig).filter(
      (variable) => !document.includes(`| \`${variable}\` |`),
    );
    expect(undocumented).toEqual([]);
  });
});
