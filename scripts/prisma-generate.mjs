// Runs `prisma generate` offline. The Prisma 7 client is Rust-free, but the CLI still wants a
// schema-engine binary path before it generates; any existing file satisfies that check, and
// generate never executes it. Users who set PRISMA_SCHEMA_ENGINE_BINARY keep their own.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const placeholder = join(tmpdir(), 'plexhook-no-schema-engine');
  if (!existsSync(placeholder)) writeFileSync(placeholder, '');
  env.PRISMA_SCHEMA_ENGINE_BINARY = placeholder;
}
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
