import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { DEFAULT_PATHS } from '@plexhook/db';
import { Client } from 'pg';
import { ADMIN_URL, withDatabase } from '../../../../test/helpers/db';

function migrate(url: string) {
  const out = spawnSync('npx', ['tsx', 'packages/db/src/cli/migrate.ts', 'deploy'], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  return { status: out.status, output: out.stdout + out.stderr };
}

const name = `plexhook_t_migrate_${randomBytes(4).toString('hex')}`;
const url = withDatabase(name);

afterAll(async () => {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.end();
});

test('db:migrate creates a missing database, applies, then is a no-op', async () => {
  const first = migrate(url);
  expect(first.output).toMatch(/created database/);
  const folders = readdirSync(DEFAULT_PATHS.migrationsDir).filter((f) => /^\d+_/.test(f));
  expect(first.output).toContain(`applied ${folders.length} migration(s): ${folders.join(', ')}`);
  expect(first.status).toBe(0);

  const second = migrate(url);
  expect(second.status).toBe(0);
  expect(second.output).toMatch(/up to date, no migration applied/);

  const c = new Client({ connectionString: url });
  await c.connect();
  const rows = await c.query(
    'SELECT migration_name, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations',
  );
  await c.end();
  expect(rows.rows.map((r) => r.migration_name).sort()).toEqual(folders);
  for (const row of rows.rows) {
    expect(row).toMatchObject({ rolled_back_at: null, applied_steps_count: 1 });
    expect(row.finished_at).toBeInstanceOf(Date);
  }
});

test('db:migrate:new finds nothing to write when schema.prisma matches the migrations', () => {
  const out = spawnSync('npx', ['tsx', 'packages/db/src/cli/migrate.ts', 'new', 'noop'], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: 'utf8',
  });
  expect(out.stdout + out.stderr).toMatch(/nothing to write/);
  expect(out.status).toBe(0);
});
