// Offline migrations: the Prisma schema engine compiled to WebAssembly, talking to PostgreSQL
// through the pg driver adapter. No native binary is downloaded, so this works air-gapped.
// It applies prisma/migrations/*/migration.sql and records _prisma_migrations exactly as
// `prisma migrate deploy` does (same table, same checksums, same advisory lock 72707369),
// so the stock CLI and this runner agree on what has been applied.
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { Client, Pool } from 'pg';

export type MigratePaths = { schemaPath: string; migrationsDir: string };

const NO_FILTER = { externalTables: [], externalEnums: [] };

// @types/node 20 does not declare WebAssembly (it lives in lib.dom); Node has it at runtime.
type WasmExports = Record<string, unknown>;
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: WasmExports } }>;
};

type WasmBindings = {
  __wbg_set_wasm(exports: WasmExports): void;
  SchemaEngine: typeof SchemaEngine;
};

let enginePromise: Promise<WasmBindings> | undefined;

/** Loads the wasm-bindgen module by hand: its entry point imports `.wasm` as ESM, which Node does not do. */
function loadBindings(): Promise<WasmBindings> {
  enginePromise ??= (async () => {
    const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bindings = (await import(bgPath)) as WasmBindings;
    const bytes = await readFile(join(dirname(bgPath), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bindings });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return enginePromise;
}

async function withEngine<T>(
  url: string,
  schemaPath: string,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadBindings();
  const schema = await readFile(schemaPath, 'utf8');
  // The engine never closes the connections it opens; a live pool would keep the session (and
  // Prisma's advisory lock) open until pg's idle timeout. Track them and dispose at the end.
  const opened: { dispose(): Promise<void> }[] = [];
  const factory = migrationAdapterFactory(url);
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = wholeScripts(await connect());
    opened.push(adapter);
    return adapter;
  };
  // adapter-pg's own shadow database hook reuses the connection string (which wins over its
  // `database` override, so it replays migrations into the main database) and drops the shadow
  // database before closing its pool. Ours: a scratch database, closed, then force-dropped.
  factory.connectToShadowDb = async () => {
    const shadowUrl = new URL(url);
    shadowUrl.pathname = `/plexhook_shadow_${randomUUID().replaceAll('-', '')}`;
    await ensureDatabase(shadowUrl.toString());
    const adapter = wholeScripts(await migrationAdapterFactory(shadowUrl.toString()).connect());
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await dropDatabase(shadowUrl.toString());
    };
    opened.push(adapter);
    return adapter;
  };
  const adapterFactory = bindMigrationAwareSqlAdapterFactory(factory);
  const engine = await SchemaEngine.new(
    { datamodels: [[schemaPath, schema]] },
    (log: string) => {
      if (process.env.PLEXHOOK_MIGRATE_DEBUG) process.stderr.write(`[schema-engine] ${log}\n`);
    },
    adapterFactory,
  );
  try {
    return await fn(engine);
  } finally {
    engine.free();
    await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
  }
}

// The engine describes a schema by reading pg_catalog, whose flag columns (relkind, contype...)
// have PostgreSQL's one-byte `"char"` type (oid 18). adapter-pg refuses that type ("Column type
// 'char' could not be deserialized"); pg already parses it as a string, so we report it as text.
const CHAR_OID = 18;
const TEXT_OID = 25;
type FieldsResult = { fields?: { dataTypeID: number }[] };
function charAsText<T>(result: T): T {
  for (const r of (Array.isArray(result) ? result : [result]) as FieldsResult[]) {
    for (const f of r?.fields ?? []) if (f.dataTypeID === CHAR_OID) f.dataTypeID = TEXT_OID;
  }
  return result;
}
class CharAsTextClient extends Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; we only wrap its result.
  override query(...args: any[]): any {
    const last = args.at(-1);
    if (typeof last === 'function') {
      args[args.length - 1] = (err: Error | null, res: unknown) => last(err, err ? res : charAsText(res));
      // biome-ignore lint/suspicious/noExplicitAny: see above
      return (super.query as any)(...args);
    }
    // biome-ignore lint/suspicious/noExplicitAny: see above
    const out = (super.query as any)(...args);
    return out && typeof out.then === 'function' ? out.then(charAsText) : out;
  }
}

type ScriptAdapter = {
  executeScript(script: string): Promise<void>;
  underlyingDriver(): { query(sql: string): Promise<unknown> };
};

// adapter-pg's executeScript splits a migration on every ";" and sends the pieces one by one,
// each committed on its own, on whichever pooled connection is free: a migration that fails
// half-way stays half-applied, and a `DO $$ … $$` block (its body has semicolons) cannot run at
// all. The native engine sends the whole script as one simple query, which PostgreSQL runs as one
// implicit transaction: do that (migration partition_webhook_logs_by_month converts a table with
// its data and needs both). Errors still go through the adapter's own mapping.
function wholeScripts<T extends object>(adapter: T): T {
  const a = adapter as T & ScriptAdapter & { onError(err: unknown): never };
  a.executeScript = async (script: string) => {
    try {
      await a.underlyingDriver().query(script);
    } catch (err) {
      a.onError(err);
    }
  };
  return adapter;
}

function migrationAdapterFactory(url: string): PrismaPg {
  const pool = new Pool({ connectionString: url, max: 2, Client: CharAsTextClient });
  return new PrismaPg(pool, { disposeExternalPool: true });
}

export async function readMigrationList(migrationsDir: string): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories = await Promise.all(
    dirs.map(async (name) => {
      const file = join(migrationsDir, name, 'migration.sql');
      const content = await readFile(file, 'utf8').then(
        (value) => ({ tag: 'ok' as const, value }),
        (err: Error) => ({ tag: 'error' as const, value: err.message }),
      );
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  const lockPath = join(migrationsDir, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/** Creates the database named in `url` when it does not exist yet (safe under concurrency). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const dbName = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!dbName) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${dbName.replaceAll('"', '""')}"`);
      return true;
    } catch (err) {
      // A concurrent runner created it first, which is fine: 42P04 duplicate_database, or
      // 23505 when both inserts reached pg_database at the same moment.
      const code = (err as { code?: string }).code;
      if (code === '42P04' || code === '23505') return false;
      throw err;
    }
  } finally {
    await client.end();
  }
}

export type DeployResult = { created: boolean; applied: string[] };

/** `prisma migrate deploy`, offline: create the database if missing, apply pending migrations. */
export async function migrateDeploy(url: string, paths: MigratePaths): Promise<DeployResult> {
  const created = await ensureDatabase(url);
  const migrationsList = await readMigrationList(paths.migrationsDir);
  const out = await withEngine(url, paths.schemaPath, (engine) =>
    engine.applyMigrations({ migrationsList, filters: NO_FILTER }),
  );
  return { created, applied: out.appliedMigrationNames };
}

/** SQL that takes the migrations folder to the schema; empty string when nothing changed. */
export async function diffMigrationsToSchema(url: string, paths: MigratePaths): Promise<string> {
  const migrationsList = await readMigrationList(paths.migrationsDir);
  const schema = await readFile(paths.schemaPath, 'utf8');
  await ensureDatabase(url);
  const out = await withEngine(url, paths.schemaPath, (engine) =>
    engine.diff({
      // Replaying the folder needs a scratch database: the adapter's shadow-database hook
      // creates and drops one, so the main database is never touched.
      from: migrationsList.migrationDirectories.length
        ? { tag: 'migrations', ...migrationsList }
        : { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: paths.schemaPath, content: schema }] },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    }),
  );
  const sql = out.stdout ?? '';
  return sql.includes('This is an empty migration') ? '' : sql;
}

export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const dbName = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${dbName.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
