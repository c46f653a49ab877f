// Style rules of this library that lint does not cover, checked over its source files (the same
// rules as libs/crypto's, plus the one door to @peculiar/x509).
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const files = sourceFiles(__dirname).map((path) => ({ name: relative(__dirname, path), text: readFileSync(path, 'utf8') }));
const productionFiles = files.filter(({ name }) => !name.startsWith(`testing${sep}`));

describe('libs/attestation style', () => {
  it('never reads the time: `now` is always passed in', () => {
    const offenders = files.filter(({ text }) => /Date\.now\(|new Date\(\)|performance\.now\(/.test(text));
    expect(offenders.map(({ name }) => name)).toEqual([]);
  });

  it('imports @peculiar/x509 only through x509/x509.ts, which loads reflect-metadata first', () => {
    const offenders = productionFiles.filter(({ name, text }) => name !== join('x509', 'x509.ts') && /from '@peculiar\/x509'/.test(text));
    expect(offenders.map(({ name }) => name)).toEqual([]);
    const door = files.find(({ name }) => name === join('x509', 'x509.ts'))!.text;
    expect(door.indexOf("import 'reflect-metadata';")).toBeLessThan(door.indexOf("from '@peculiar/x509'"));
  });

  it('imports no Node built-in itself (a domain library; node:crypto is reached only through libs/crypto’s native back end)', () => {
    const offenders = productionFiles.filter(({ text }) => /from 'node:|require\(/.test(text));
    expect(offenders.map(({ name }) => name)).toEqual([]);
  });

  it('gives every exported declaration a doc comment', () => {
    const missing = productionFiles.flatMap(({ name, text }) => {
      const lines = text.split('\n');
      return lines.flatMap((line, index) => {
        if (!/^export (const|function|async function|class|type|interface) /.test(line)) return [];
        // Look past decorators (asn1-schema classes) to the doc comment.
        let previousIndex = index - 1;
        while (previousIndex > 0 && lines[previousIndex]!.trim().startsWith('@')) previousIndex--;
        const previous = lines[previousIndex] ?? '';
        return previous.trim().endsWith('*/') ? [] : [`${name}:${index + 1} ${line.slice(0, 60)}`];
      });
    });
    expect(missing).toEqual([]);
  });
});

describe('libs/attestation public API documentation', () => {
  const index = files.find(({ name }) => name === 'index.ts')!.text;
  const publicFiles = [...index.matchAll(/from '\.\/([^']+)'/g)].map((match) => `${match[1]!.split('/').join(sep)}.ts`);

  it('gives every declaration of a publicly exported file an example', () => {
    const missing = files
      .filter(({ name }) => publicFiles.includes(name))
      .flatMap(({ name, text }) => {
        const lines = text.split('\n');
        return lines.flatMap((line, index) => {
          const declaration = /^export (?:const|function|async function|class|type|interface) (\w+)/.exec(line);
          if (declaration === null || !index) return [];
          const docStart = lines.slice(0, index).map((text) => text.includes('/**')).lastIndexOf(true);
          const doc = lines.slice(docStart, index).join('\n');
          return doc.includes('@example') ? [] : [`${name} ${declaration[1]}`];
        });
      });
    // Internal helpers that happen to live in a public file.
    const internal = ['errors.ts assert', 'formats.ts formatsOfDeviceClass'];
    expect(missing.filter((entry) => !internal.includes(entry))).toEqual([]);
  });
});
