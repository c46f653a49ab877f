// The code rules lint does not cover, in one place for every library and app (issue 16 §7): where
// time is read, which Node built-ins a project may import, the one door to a library, and which
// exports need a doc comment and an example. Each project's row says what it promises; a file that
// breaks a promise is named in the failure.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { protocolErrorCodes } from '@settle/protocol';

const repository = join(__dirname, '../..');

interface SourceFile {
  /** Path inside the project's root, with forward slashes. */
  readonly name: string;
  readonly text: string;
}

interface ProjectRules {
  /** Folder, from the repository root. */
  readonly root: string;
  /** Files that may read the wall clock (`Date.now()`, `new Date()`, `performance.now()`); undefined: no rule. */
  readonly clockReaders?: readonly string[];
  /** Node built-ins allowed per file (name → pattern of module names); files not listed may import none. Undefined: no rule. */
  readonly nodeImports?: Readonly<Record<string, RegExp>>;
  /** Every exported declaration has a doc comment. */
  readonly documented?: boolean;
  /** Every declaration the project's index exports has an `@example`, except these (`file name`). */
  readonly examples?: { readonly except: readonly string[] };
}

const timeRead = /Date\.now\(|new Date\(\)|performance\.now\(/;

const projects: readonly ProjectRules[] = [
  {
    root: 'libs/crypto/src',
    clockReaders: ['clock.ts'],
    nodeImports: { 'signatures/native-backend.ts': /^node:crypto$/ },
    documented: true,
    examples: {
      except: [
        'algorithms.ts checkSignatureAlgorithm',
        'algorithms.ts checkSignatureBackend',
        'errors.ts assert',
      ],
    },
  },
  {
    root: 'libs/attestation/src',
    clockReaders: [],
    nodeImports: {},
    documented: true,
    examples: { except: ['errors.ts assert', 'formats.ts formatsOfDeviceClass'] },
  },
  {
    root: 'libs/token-binding/src',
    clockReaders: [],
    // Only the TLS adapter (the EKM export) touches Node, so the codec and signing run on a device.
    nodeImports: { 'tls/export-token-binding-keying-material.ts': /^node:/ },
    documented: true,
    examples: { except: ['errors.ts assert'] },
  },
  {
    root: 'libs/protocol/src',
    clockReaders: [],
    nodeImports: {},
    documented: true,
    examples: { except: [] },
  },
  {
    root: 'libs/device-sdk/src',
    clockReaders: [],
    nodeImports: { 'storage/file-store.ts': /^node:(fs|path)(\/promises)?$/ },
    documented: true,
    examples: { except: [] },
  },
  {
    root: 'libs/sound-link/src',
    clockReaders: ['cli.ts'],
    nodeImports: { 'cli.ts': /^node:/ },
    documented: true,
    examples: { except: [] },
  },
  // The services read the time through the Clock port of libs/platform, so tests can move it.
  { root: 'apps/registry/src', clockReaders: [] },
  { root: 'apps/verifier/src', clockReaders: [] },
  // The scratch schema of a rebuild is named after the moment it starts, when no clock is passed.
  { root: 'apps/ledger/src', clockReaders: ['check-journal/rebuild-from-topic.ts'] },
  { root: 'apps/token-issuer/src', clockReaders: [] },
];

function sourceFiles(root: string): SourceFile[] {
  const walk = (directory: string): string[] =>
    readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) return entry.name === 'testing' ? [] : walk(path);
      return entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec|d)\.ts$/.test(entry.name)
        ? [path]
        : [];
    });
  const absolute = join(repository, root);
  return walk(absolute).map((path) => ({
    name: relative(absolute, path).split('\\').join('/'),
    text: readFileSync(path, 'utf8'),
  }));
}

/** `export const|function|class|type|interface X` lines, with the doc comment above (past decorators). */
interface ExportedDeclaration {
  readonly name: string;
  readonly line: number;
  readonly doc: string | undefined;
}

function exportedDeclarations(file: SourceFile): ExportedDeclaration[] {
  const lines = file.text.split('\n');
  return lines.flatMap((line, index): ExportedDeclaration[] => {
    const declaration =
      /^export (?:const|function|async function|class|abstract class|type|interface) (\w+)/.exec(
        line,
      );
    if (declaration === null) return [];
    let above = index - 1;
    while (above > 0 && lines[above]!.trim().startsWith('@')) above--;
    if (!(lines[above] ?? '').trim().endsWith('*/'))
      return [{ name: declaration[1]!, line: index + 1, doc: undefined }];
    const docStart = lines
      .slice(0, above + 1)
      .map((text) => text.includes('/**'))
      .lastIndexOf(true);
    return [
      { name: declaration[1]!, line: index + 1, doc: lines.slice(docStart, above + 1).join('\n') },
    ];
  });
}

/** What an index file exports: the names of its `export { … } from` lists, and the files it re-exports whole. */
function publicApi(index: string): { names: Set<string>; wholeFiles: Set<string> } {
  const names = new Set(
    [...index.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((list) =>
      list[1]!
        .split(',')
        .map(
          (item) =>
            item
              .trim()
              .replace(/^type\s+/, '')
              .split(/\s+as\s+/)[0]!,
        )
        .filter((name) => name !== ''),
    ),
  );
  const wholeFiles = new Set(
    [...index.matchAll(/export \* from '\.\/([^']+)'/g)].map((match) => `${match[1]}.ts`),
  );
  return { names, wholeFiles };
}

describe.each(projects)('$root', (rules) => {
  const files = sourceFiles(rules.root);

  it('is read (a wrong path must not pass by finding nothing)', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  if (rules.clockReaders !== undefined) {
    const readers = rules.clockReaders;
    it(`reads the wall clock only in ${readers.length === 0 ? 'no file: times are passed in' : readers.join(', ')}`, () => {
      expect(
        files
          .filter(({ name, text }) => !readers.includes(name) && timeRead.test(text))
          .map(({ name }) => name),
      ).toEqual([]);
    });
  }

  if (rules.nodeImports !== undefined) {
    const allowed = rules.nodeImports;
    it(`imports Node built-ins only in ${Object.keys(allowed).join(', ') || 'no file'}`, () => {
      const offenders = files.flatMap(({ name, text }) =>
        [...text.matchAll(/from '(node:[^']+)'|require\('([^']+)'\)/g)]
          .map((match) => match[1] ?? match[2]!)
          .filter((module) => !(allowed[name]?.test(module) ?? false))
          .map((module) => `${name} imports ${module}`),
      );
      expect(offenders).toEqual([]);
    });
  }

  if (rules.documented) {
    it('gives every exported declaration a doc comment', () => {
      const missing = files.flatMap((file) =>
        exportedDeclarations(file)
          .filter(({ doc }) => doc === undefined)
          .map(({ name, line }) => `${file.name}:${line} ${name}`),
      );
      expect(missing).toEqual([]);
    });
  }

  if (rules.examples !== undefined) {
    const except = rules.examples.except;
    it('gives every declaration its index exports an example', () => {
      const index = files.find(({ name }) => name === 'index.ts');
      expect(index).toBeDefined();
      const { names, wholeFiles } = publicApi(index!.text);
      expect(names.size + wholeFiles.size).toBeGreaterThan(0);
      const missing = files.flatMap((file) =>
        exportedDeclarations(file)
          .filter(
            ({ name, doc }) =>
              (names.has(name) || wholeFiles.has(file.name)) &&
              doc !== undefined &&
              !doc.includes('@example'),
          )
          .map(({ name }) => `${file.name} ${name}`),
      );
      expect(missing.filter((entry) => !except.includes(entry))).toEqual([]);
    });
  }
});

describe('one door', () => {
  it('libs/attestation imports @peculiar/x509 only through x509/x509.ts, which loads reflect-metadata first', () => {
    const files = sourceFiles('libs/attestation/src');
    expect(
      files
        .filter(({ name, text }) => name !== 'x509/x509.ts' && /from '@peculiar\/x509'/.test(text))
        .map(({ name }) => name),
    ).toEqual([]);
    const door = files.find(({ name }) => name === 'x509/x509.ts')!.text;
    expect(door.indexOf("import 'reflect-metadata';")).toBeLessThan(
      door.indexOf("from '@peculiar/x509'"),
    );
  });

  it("only libs/platform reaches into TypeORM's driver for the pg pool (SQL_POOL)", () => {
    const roots = ['apps', 'libs', 'test', 'bench', 'demo'].filter((root) =>
      existsSync(join(repository, root)),
    );
    const offenders = roots.flatMap((root) =>
      sourceFiles(root)
        .filter(
          ({ name, text }) =>
            `${root}/${name}` !== 'libs/platform/src/database/sql-pool.ts' &&
            /driver as unknown/.test(text),
        )
        .map(({ name }) => `${root}/${name}`),
    );
    expect(offenders).toEqual([]);
  });

  it('only libs/platform reads process.env in the services (configuration is loaded and checked there)', () => {
    const offenders = ['registry', 'verifier', 'ledger', 'token-issuer'].flatMap((app) =>
      sourceFiles(`apps/${app}/src`)
        .filter(({ text }) => /process\.env/.test(text))
        .map(({ name }) => `apps/${app}/src/${name}`),
    );
    expect(offenders).toEqual([]);
  });
});

describe('protocol error codes', () => {
  it('stay closed, ordered and append-only', () => {
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
