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

const files = sourceFiles(__dirname)
  .map((path) => ({ name: relative(__dirname, path), text: readFileSync(path, 'utf8') }))
  .filter(({ name }) => !name.startsWith('testing/'));

describe('libs/token-binding style', () => {
  it('imports node: modules only in tls/ (the EKM export), so the codec and signing run on a device', () => {
    const offenders = files.filter(({ name, text }) => !name.startsWith('tls/') && /from 'node:|require\(/.test(text));
    expect(offenders.map(({ name }) => name)).toEqual([]);
  });

  it('never reads the time (nothing in a TokenBindingMessage depends on it)', () => {
    const offenders = files.filter(({ text }) => /Date\.now\(|new Date\(|performance\.now\(/.test(text));
    expect(offenders.map(({ name }) => name)).toEqual([]);
  });

  it('gives every exported declaration a doc comment with an example', () => {
    const internalFiles = ['message/bytes.ts', 'message/key-parameters.ts'];
    const missing = files
      .filter(({ name }) => !internalFiles.includes(name))
      .flatMap(({ name, text }) => {
        const lines = text.split('\n');
        return lines.flatMap((line, index) => {
          const declaration = /^export (?:const|function|class|type|interface) (\w+)/.exec(line);
          if (declaration === null) return [];
          const docStart = lines.slice(0, index).map((text) => text.includes('/**')).lastIndexOf(true);
          const doc = lines.slice(docStart, index).join('\n');
          return lines[index - 1]?.trim().endsWith('*/') && doc.includes('@example') ? [] : [`${name} ${declaration[1]}`];
        });
      });
    expect(missing.filter((entry) => entry !== 'errors.ts assert')).toEqual([]);
  });
});
