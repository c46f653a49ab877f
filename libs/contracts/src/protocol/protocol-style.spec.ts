// Rules of the protocol code that lint does not cover, checked over its source files.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { protocolErrorCodes } from '../index';

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const files = sourceFiles(__dirname).map((path) => ({ name: relative(__dirname, path), text: readFileSync(path, 'utf8') }));

describe('libs/contracts protocol style', () => {
  it('never reads the clock: times are passed in', () => {
    expect(files.filter(({ text }) => /Date\.now\(|new Date\(\)|performance\.now\(/.test(text)).map(({ name }) => name)).toEqual([]);
  });

  it('imports nothing from node: (the device SDK runs it on phones and in browsers)', () => {
    expect(files.filter(({ text }) => /from 'node:|require\(/.test(text)).map(({ name }) => name)).toEqual([]);
  });

  it('gives every exported declaration a doc comment, and every public one an example', () => {
    const index = files.find(({ name }) => name === 'index.ts')!.text;
    const publicNames = new Set([...index.matchAll(/\b(?:type )?([A-Za-z0-9_]+)[,\n ]/g)].map((match) => match[1]));
    const missing = files.flatMap(({ name, text }) => {
      const lines = text.split('\n');
      return lines.flatMap((line, index) => {
        const declaration = /^export (?:const|function|class|type|interface) (\w+)/.exec(line);
        if (declaration === null) return [];
        const previous = lines[index - 1] ?? '';
        if (!previous.trim().endsWith('*/')) return [`${name}: ${declaration[1]} has no doc comment`];
        const isPublic = publicNames.has(declaration[1]) || name === 'limits.ts';
        const docStart = lines.slice(0, index).map((text) => text.includes('/**')).lastIndexOf(true);
        return isPublic && !lines.slice(docStart, index).join('\n').includes('@example') ? [`${name}: ${declaration[1]} has no example`] : [];
      });
    });
    expect(missing).toEqual([]);
  });

  it('keeps the error codes closed, ordered and append-only', () => {
    expect(protocolErrorCodes).toEqual([
      'SIZE_EXCEEDED',
      'CBOR_INVALID',
      'COSE_INVALID',
      'STRUCTURE_INVALID',
      'LABEL_MISMATCH',
      'FIELD_MISSING',
      'FIELD_UNKNOWN',
      'FIELD_INVALID',
      'ALGORITHM_NOT_ALLOWED',
      'KEY_ID_MISMATCH',
      'KEY_NOT_FOUND',
      'SIGNATURE_INVALID',
    ]);
  });
});
