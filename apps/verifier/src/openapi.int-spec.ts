// The verifier's OpenAPI document as the running service serves it (GET /docs-json) is the one checked
// into docs/openapi/verifier.json, so a route or schema changed without its document fails here.
// `npm run docs:openapi` writes the served document to the file after a deliberate change.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startVerifier, type VerifierTestKit } from './testing/verifier-test-kit';

const documentFile = path.join(__dirname, '..', '..', '..', 'docs', 'openapi', 'verifier.json');

describe('the verifier OpenAPI document', () => {
  let kit: VerifierTestKit;

  beforeAll(async () => {
    kit = await startVerifier();
  });

  afterAll(async () => {
    await kit?.stop();
  });

  it('is served at /docs-json, lists every public route, and equals docs/openapi/verifier.json', async () => {
    const response = await kit.bound({ method: 'GET', path: '/docs-json' });
    expect(response.status).toBe(200);
    const served = JSON.parse(response.body) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(served.paths).flatMap(([route, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${route}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/uploads',
        'GET /v1/transactions/{transactionId}',
        'GET /v1/confirmations',
        'GET /v1/receipt-keys',
        'POST /v1/end-of-day-reports',
        'GET /admin/reconciliation-reports',
      ]),
    );
    const text = `${JSON.stringify(served, null, 2)}\n`;
    if (process.env.UPDATE_OPENAPI === '1') writeFileSync(documentFile, text);
    expect(readFileSync(documentFile, 'utf8')).toBe(text);
  });
});
