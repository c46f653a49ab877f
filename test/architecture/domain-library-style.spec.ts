// Style rules of the device-side domain libraries that lint does not cover, checked over their source
// files: times are passed in, and every export is documented (public ones with an example).
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The command-line edge may read the clock; nothing else may. */
const edges = ['cli.ts'];
const libraries = ['device-sdk', 'sound-link'];

describe.each(libraries)('libs/%s style', (library) => {
  const root = join(__dirname, '../../libs', library, 'src');
  const files = sourceFiles(root).map((path) => ({ name: relative(root, path), text: readFileSync(path, 'utf8') }));

  it('reads the library (a wrong path must not pass by finding nothing)', () => {
    expect(files.some(({ name }) => name === 'index.ts')).toBe(true);
  });

  it('never reads the clock outside the command-line edge: times are passed in', () => {
    const offenders = files.filter(({ name, text }) => !edges.includes(name) && /Date\.now\(|new Date\(\)|performance\.now\(/.test(text));
    expect(offenders.map(({ name }) => name)).toEqual([]);
  });

  it('gives every exported declaration a doc comment, and every public one an example', () => {
    const index = files.find(({ name }) => name === 'index.ts')!.text;
    const publicNames = new Set([...index.matchAll(/\b(?:type )?([A-Za-z0-9_]+)[,\n ]/g)].map((match) => match[1]));
    const missing = files.flatMap(({ name, text }) => {
      const lines = text.split('\n');
      return lines.flatMap((line, index) => {
        const declaration = /^export (?:const|function|class|type|interface|async function) (\w+)/.exec(line);
        if (declaration === null) return [];
        if (!(lines[index - 1] ?? '').trim().endsWith('*/')) return [`${name}: ${declaration[1]} has no doc comment`];
        const isPublic = publicNames.has(declaration[1]) || name === 'limits.ts';
        const docStart = lines.slice(0, index).map((text) => text.includes('/**')).lastIndexOf(true);
        return isPublic && !lines.slice(docStart, index).join('\n').includes('@example') ? [`${name}: ${declaration[1]} has no example`] : [];
      });
    });
    expect(missing).toEqual([]);
  });
});
