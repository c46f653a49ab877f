import { readFileSync } from 'node:fs';
import path from 'node:path';
import { commonConfig, serviceNames } from './service-config';

// docs/configuration.md is the operator's reference: a variable a service reads but the table does
// not list is a bug in the docs.
const documentPath = path.join(__dirname, '../../../../docs/configuration.md');

describe('docs/configuration.md', () => {
  const document = readFileSync(documentPath, 'utf8');

  it.each(serviceNames)('lists every variable the %s service reads', (service) => {
    for (const name of Object.keys(commonConfig(service))) {
      expect(document).toContain(`| \`${name}\` |`);
    }
  });
});
