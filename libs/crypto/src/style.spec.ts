// Style rules of this library that lint does not cover, checked over its source files.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const files = sourceFiles(__dirname).map((path) => ({ name: relative(__dirname, path), text: readFileSync(path, 'utf8') }));

describe('libs/crypto style', () => {
  it('reads the time only through the injectable clock (clock.ts)', () => {
    const offenders = files.filter(({ name, text }) => name !== 'clock.ts' && /Date\.now\(|new Date\(\)|performance\.now\(/.test(text));
    expect(offenders.map(({ name }) => name)).toEqual([]);
  });

  it('imports node:crypto only in the native back end, so everything else runs in a browser', () => {
    const offenders = files.filter(({ name, text }) => name !== join('signatures', 'native-backend.ts') && /from 'node:crypto'|require\('crypto'\)/.test(text));
    expect(offenders.map(({ name }) => name)).toEqual([]);
  });

  it('gives every exported declaration a doc comment', () => {
    const missing = files.flatMap(({ name, text }) => {
      const lines = text.split('\n');
      return lines.flatMap((line, index) => {
        if (!/^export (const|function|class|type|interface) /.test(line)) return [];
        const previous = lines[index - 1] ?? '';
        return previous.trim().endsWith('*/') ? [] : [`${name}:${index + 1} ${line.slice(0, 60)}`];
      });
    });
    expect(missing).toEqual([]);
  });
});

describe('libs/crypto public API documentation', () => {
  const index = files.find(({ name }) => name === 'index.ts')!.text;
  const publicFiles = [...index.matchAll(/from '\.\/([^']+)'/g)].map((match) => `${match[1]}.ts`);

  it('gives every declaration of a publicly exported file an example', () => {
    const missing = files
      .filter(({ name }) => publicFiles.includes(name))
      .flatMap(({ name, text }) => {
        const lines = text.split('\n');
        return lines.flatMap((line, index) => {
          const declaration = /^export (?:const|function|class|type|interface) (\w+)/.exec(line);
          if (declaration === null || !index) return [];
          const docStart = lines.slice(0, index).map((text) => text.includes('/**')).lastIndexOf(true);
          const doc = lines.slice(docStart, index).join('\n');
          return doc.includes('@example') ? [] : [`${name} ${declaration[1]}`];
        });
      });
    // Internal helpers that happen to live in a public file.
    const internal = ['algorithms.ts checkSignatureAlgorithm', 'algorithms.ts checkSignatureBackend', 'errors.ts assert', 'cose/cose-sign1-constants.ts coseSign1SignatureContext'];
    expect(missing.filter((entry) => !internal.includes(entry))).toEqual([]);
  });
});
