// Docker runtime stage, after `npm ci --omit=dev`: removes what production never loads but npm
// keeps anyway. npm marks a package that is both a root devDependency and an optional peer of a
// production dependency as "devOptional" and installs it under --omit=dev: the prisma CLI (with
// @prisma/dev, pglite, effect) and typescript, optional peers of @prisma/client. This keeps the
// packages reachable from the workspaces' (and the root's) dependencies, optionalDependencies
// and required peers, following package-lock.json, and deletes every other installed package.
// Usage: node scripts/prune-dev-only.mjs [--dry-run]
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

const root = process.cwd();
const dryRun = process.argv.includes('--dry-run');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;

/** Where `name`, required from the lock entry at `from`, resolves (node's walk up node_modules). */
function resolve(from, name) {
  for (let dir = from; ; dir = posix.dirname(dir)) {
    const base = dir === '.' || dir === '' ? '' : `${dir}/`;
    const candidate = `${base}node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (dir === '.' || dir === '') return null;
  }
}

function productionEdges(path) {
  const entry = lock[path];
  const peersMeta = entry.peerDependenciesMeta ?? {};
  const names = [...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {})];
  for (const name of Object.keys(entry.peerDependencies ?? {}))
    if (!peersMeta[name]?.optional) names.push(name);
  return names;
}

const keep = new Set();
// The root, the workspaces and their node_modules links.
const queue = Object.entries(lock)
  .filter(([path, entry]) => path === '' || !path.includes('node_modules/') || entry.link)
  .map(([path]) => path);
while (queue.length > 0) {
  const path = queue.pop();
  if (keep.has(path)) continue;
  keep.add(path);
  const entry = lock[path];
  if (entry.link) {
    queue.push(entry.resolved);
    continue;
  }
  for (const name of productionEdges(path)) {
    const target = resolve(path, name);
    if (target) queue.push(target);
  }
}

let removed = 0;
for (const path of Object.keys(lock)) {
  if (!path.includes('node_modules/') || keep.has(path)) continue;
  const abs = join(root, path);
  if (!existsSync(abs)) continue;
  removed += 1;
  if (dryRun) console.log(path);
  else rmSync(abs, { recursive: true, force: true });
}
// Bin links of removed packages.
const bin = join(root, 'node_modules', '.bin');
if (!dryRun && existsSync(bin))
  for (const link of readdirSync(bin)) {
    const abs = join(bin, link);
    try {
      statSync(abs);
    } catch {
      if (lstatSync(abs).isSymbolicLink()) rmSync(abs);
    }
  }
console.log(`prune-dev-only: ${dryRun ? 'would remove' : 'removed'} ${removed} packages (${dirname(bin)})`);
