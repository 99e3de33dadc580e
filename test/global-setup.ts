// Builds (once per migrations version) a migrated template database; every integration suite
// then clones it with CREATE DATABASE ... TEMPLATE, which takes milliseconds, and drops it after.
import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { ADMIN_URL, templateName, withDatabase } from './helpers/db';

export default async function globalSetup(): Promise<void> {
  const name = templateName();
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return;
    const building = `${name}_build_${process.pid}`;
    const migrate = spawnSync('npx', ['tsx', 'packages/db/src/cli/migrate.ts', 'deploy'], {
      env: { ...process.env, DATABASE_URL: withDatabase(building) },
      encoding: 'utf8',
    });
    if (migrate.status !== 0) {
      throw new Error(`migrating the test template failed:\n${migrate.stdout}\n${migrate.stderr}`);
    }
    try {
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } catch {
      // Another run built the same template first; ours is not needed.
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
