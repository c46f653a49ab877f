// The architecture is enforced by lint: domain code may not import a framework or an I/O client.
// These tests lint small made-up files in the places the rule protects, so a loosened rule fails here.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const repositoryRoot = path.join(__dirname, '../..');

const probes: Array<{ filePath: string; source: string }> = [];
let results: string[][] | null = null;

/** ESLint's flat config is an ES module, which Jest cannot load: the probes are linted in one child process. */
function lintProbes(): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const probes = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const eslint = new ESLint({ cwd: process.cwd() });
    Promise.all(probes.map(async (probe) => {
      const [result] = await eslint.lintText(probe.source, { filePath: probe.filePath });
      return result.messages.map((message) => message.ruleId ?? 'fatal');
    })).then((ruleIds) => process.stdout.write(JSON.stringify(ruleIds)));`;
  const child = spawnSync(process.execPath, ['-e', script], {
    cwd: repositoryRoot,
    input: JSON.stringify(probes),
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (child.status !== 0) throw new Error(`eslint failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as string[][];
}

function probe(relativePath: string, source: string): () => string[] {
  const index = probes.push({ filePath: path.join(repositoryRoot, relativePath), source }) - 1;
  return () => (results ??= lintProbes())[index]!;
}

const importOf = (packageName: string) =>
  `import * as banned from '${packageName}';\nexport const probe = banned;\n`;
const domainLibraryProbes = [
  '@nestjs/common',
  'typeorm',
  'pg',
  'kafkajs',
  '@opentelemetry/api',
].map(
  (packageName) =>
    [packageName, probe(`libs/contracts/src/boundary-probe.ts`, importOf(packageName))] as const,
);
const deciderProbes = ['@nestjs/common', 'typeorm', 'kafkajs'].map(
  (packageName) =>
    [
      packageName,
      probe('apps/ledger/src/settle-payment/settle-payment.decider.ts', importOf(packageName)),
    ] as const,
);
const adapterProbe = probe(
  'apps/ledger/src/settle-payment/settle-payment.consumer.ts',
  `import { Injectable } from '@nestjs/common';\nexport const probe = Injectable;\n`,
);
const domainOnInfrastructureProbe = probe(
  'libs/crypto/src/boundary-probe.ts',
  `import { Outbox } from '@settle/messaging';\nexport const probe = Outbox;\n`,
);
// The offline protocol's layers: crypto imports no library, the protocol only crypto. Today every
// other library depends on crypto, and contracts on the protocol, so Nx's cycle check fires as well
// as the layer tags; the probes hold the promise whichever rule keeps it.
const cryptoOnProtocolProbe = probe(
  'libs/crypto/src/boundary-probe.ts',
  `import { protocolLabels } from '@settle/protocol';\nexport const probe = protocolLabels;\n`,
);
const protocolOnContractsProbe = probe(
  'libs/protocol/src/boundary-probe.ts',
  `import { eventVersionMax } from '@settle/contracts';\nexport const probe = eventVersionMax;\n`,
);
const protocolOnCryptoProbe = probe(
  'libs/protocol/src/boundary-probe.ts',
  `import { sign } from '@settle/crypto';\nexport const probe = sign;\n`,
);
const testSupportInProductionProbe = probe(
  'apps/ledger/src/ledger.module.ts',
  `import { createTestDatabase } from '@settle/test-support';\nexport const probe = createTestDatabase;\n`,
);

describe('module boundaries', () => {
  jest.setTimeout(60_000);

  it.each(domainLibraryProbes)('forbids %s in a domain library', (_packageName, rules) => {
    expect(rules()).toContain('@nx/enforce-module-boundaries');
  });

  it.each(deciderProbes)('forbids %s in a decider inside an app', (_packageName, rules) => {
    expect(rules()).toContain('no-restricted-imports');
  });

  it('allows the same import in an adapter of an app', () => {
    expect(adapterProbe()).toEqual([]);
  });

  it('forbids a domain library from depending on an infrastructure library', () => {
    expect(domainOnInfrastructureProbe()).toContain('@nx/enforce-module-boundaries');
  });

  it('forbids libs/crypto from importing the protocol (crypto is the bottom layer)', () => {
    expect(cryptoOnProtocolProbe()).toContain('@nx/enforce-module-boundaries');
  });

  it('forbids libs/protocol from importing the event contracts (the events build on the protocol)', () => {
    expect(protocolOnContractsProbe()).toContain('@nx/enforce-module-boundaries');
  });

  it('allows libs/protocol to import libs/crypto', () => {
    expect(protocolOnCryptoProbe()).toEqual([]);
  });

  it('keeps test support out of production code', () => {
    expect(testSupportInProductionProbe()).toContain('@nx/enforce-module-boundaries');
  });
});
