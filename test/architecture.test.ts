// The layout's claims, checked (issue 12): every statement lives in packages/db, dependencies
// point one way, production code never imports tooling, and code outside the apps reaches an
// app only through its entry point (src/index.ts). Reads the source as text: no app is loaded.
//
// The allowlists hold what is still wrong today. They can only shrink: a listed file that no
// longer breaks the rule fails the test too, so whoever fixes one removes it from the list.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

const ROOT = join(__dirname, '..');
const APPS = ['ingest', 'worker', 'dashboard'];
const PACKAGES = ['core', 'db', 'queue'];

/** Files still holding SQL or Prisma calls outside packages/db: to be emptied by the issue 12 move. */
const SQL_ALLOWLIST: string[] = [];

/** Code outside the apps that still deep-imports an app's internals (not its src/index.ts). */
const DEEP_IMPORT_ALLOWLIST: string[] = [];

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'generated') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const repoPath = (abs: string) => relative(ROOT, abs).split(sep).join('/');
const isTest = (path: string) => path.endsWith('.test.ts');
/** Non-test source of apps/* and packages/*: production code. */
const productionFiles = [...APPS.map((a) => `apps/${a}`), ...PACKAGES.map((p) => `packages/${p}`)]
  .flatMap((dir) => walk(join(ROOT, dir, 'src')))
  .map(repoPath)
  .filter((path) => !isTest(path));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Source without comments, so a comment that names `$queryRaw` or an import is not a use. */
function code(path: string): string {
  return read(path)
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\w])\/\/.*$/gm, '$1');
}

// Model delegates of the generated client (`db.plexConfig.findUnique`), from the schema.
const MODELS = [...read('prisma/schema.prisma').matchAll(/^model (\w+) /gm)].map(
  ([, name]) => name!.charAt(0).toLowerCase() + name!.slice(1),
);
const SQL_PATTERNS: [string, RegExp][] = [
  ['$queryRaw', /\$queryRaw/],
  ['$executeRaw', /\$executeRaw/],
  ['preparedQuery', /\bpreparedQuery\b/],
  ['pool.query', /\bpool\.query\b/],
  ['Prisma.sql/raw/join (SQL text)', /\bPrisma\.(sql|raw|join|empty)\b/],
  ['db.<model>.', new RegExp(`\\b(db|tx|prisma)\\.(${MODELS.join('|')})\\.`)],
];

/** `file:line: rule` for each SQL or Prisma call in a file. */
function sqlCalls(path: string): string[] {
  const found: string[] = [];
  for (const [i, line] of code(path).split('\n').entries())
    for (const [rule, pattern] of SQL_PATTERNS)
      if (pattern.test(line)) found.push(`${path}:${i + 1}: ${rule}`);
  return found;
}

/** Every module specifier a file imports, re-exports or requires. */
function specifiers(path: string): string[] {
  const text = code(path);
  const out: string[] = [];
  for (const m of text.matchAll(
    /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm,
  ))
    out.push(m[1]!);
  return out;
}

/** What a specifier points at: `app:worker`, `app:worker/deep`, `package:db`, `root:test`, … */
function target(from: string, spec: string): string | null {
  const named = /^@plexhook\/([\w-]+)(\/.*)?$/.exec(spec);
  let path: string;
  if (named) {
    const [, name, rest] = named;
    if (APPS.includes(name!)) return rest ? `app:${name}/deep` : `app:${name}`;
    if (PACKAGES.includes(name!)) return `package:${name}`;
    return null;
  }
  if (spec.startsWith('.')) path = posix.normalize(posix.join(posix.dirname(from), spec));
  else return null; // node: or a third-party package
  const [top, name, src] = path.split('/');
  if (top === 'apps')
    return src === 'src' && /^apps\/[\w-]+\/src(\/index(\.ts)?)?$/.test(path)
      ? `app:${name}`
      : `app:${name}/deep`;
  if (top === 'packages') return `package:${name}`;
  return `root:${top}`;
}

const home = (path: string) => {
  const [top, name] = path.split('/');
  return top === 'apps' ? `app:${name}` : top === 'packages' ? `package:${name}` : `root:${top}`;
};

function imports(paths: string[]): { path: string; spec: string; to: string }[] {
  return paths.flatMap((path) =>
    specifiers(path).flatMap((spec) => {
      const to = target(path, spec);
      return to ? [{ path, spec, to }] : [];
    }),
  );
}

describe('every statement lives in packages/db', () => {
  const outsideDb = productionFiles.filter((path) => !path.startsWith('packages/db/'));
  const offenders = new Map(
    outsideDb.map((path) => [path, sqlCalls(path)] as const).filter(([, c]) => c.length > 0),
  );

  test('no $queryRaw, $executeRaw, preparedQuery, pool.query or db.<model>. outside packages/db', () => {
    const unlisted = [...offenders]
      .filter(([path]) => !SQL_ALLOWLIST.includes(path))
      .flatMap(([, calls]) => calls);
    expect(unlisted).toEqual([]);
  });

  test('the allowlist only shrinks: every listed file still holds such a call', () => {
    const clean = SQL_ALLOWLIST.filter((path) => !offenders.has(path));
    // A file listed here was fixed (or moved): take it off SQL_ALLOWLIST.
    expect(clean).toEqual([]);
  });

  test('the scan sees the calls it is meant to see', () => {
    // Guards the guard: a pattern that stopped matching would pass everything.
    const db = productionFiles.filter((path) => path.startsWith('packages/db/')).flatMap(sqlCalls);
    for (const rule of ['$queryRaw', 'db.<model>.'])
      expect(db.filter((call) => call.endsWith(`: ${rule}`)).length).toBeGreaterThan(0);
  });
});

describe('dependencies point one way', () => {
  const all = imports(productionFiles);

  test('packages never import apps', () => {
    expect(all.filter((i) => i.path.startsWith('packages/') && i.to.startsWith('app:'))).toEqual([]);
  });

  test('core imports nothing of ours; db and queue import only core', () => {
    const ours = all.filter(
      (i) => i.path.startsWith('packages/') && i.to.startsWith('package:') && i.to !== home(i.path),
    );
    expect(ours.filter((i) => i.path.startsWith('packages/core/'))).toEqual([]);
    expect(ours.filter((i) => i.to !== 'package:core')).toEqual([]);
  });

  test("apps never import another app's code", () => {
    expect(
      all.filter(
        (i) => i.path.startsWith('apps/') && i.to.startsWith('app:') && !i.to.startsWith(home(i.path)),
      ),
    ).toEqual([]);
  });

  test('production code never imports tests, tools, bench or reliability', () => {
    expect(all.filter((i) => i.to.startsWith('root:'))).toEqual([]);
  });
});

describe('code outside an app uses its entry point', () => {
  const outside = [
    ...['test', 'bench', 'reliability', 'tools', 'scripts'].flatMap((dir) => walk(join(ROOT, dir))),
    ...[...APPS.map((a) => `apps/${a}`), ...PACKAGES.map((p) => `packages/${p}`)].flatMap((dir) =>
      walk(join(ROOT, dir, 'src')),
    ),
  ]
    .map(repoPath)
    .filter((path) => !path.startsWith('apps/') || isTest(path));
  const deep = imports(outside).filter(
    (i) => i.to.endsWith('/deep') && !(i.path.startsWith('apps/') && i.to.startsWith(home(i.path))),
  );

  test('tests, bench, reliability and tools import an app only as @plexhook/<app>', () => {
    expect(deep.filter((i) => !DEEP_IMPORT_ALLOWLIST.includes(i.path))).toEqual([]);
  });

  test('the allowlist only shrinks', () => {
    expect(DEEP_IMPORT_ALLOWLIST.filter((path) => !deep.some((i) => i.path === path))).toEqual([]);
  });

  test('each app has the entry point its package.json declares', () => {
    for (const app of APPS) {
      const manifest = JSON.parse(read(`apps/${app}/package.json`)) as { main?: string };
      expect(manifest.main).toBe('src/index.ts');
      expect(existsSync(join(ROOT, 'apps', app, manifest.main!))).toBe(true);
    }
  });
});
