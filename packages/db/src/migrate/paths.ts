import { join, resolve } from 'node:path';
import type { MigratePaths } from './engine';

/** The repository's prisma/ folder, wherever the process was started from. */
export const REPO_ROOT = resolve(__dirname, '../../../..');
export const DEFAULT_PATHS: MigratePaths = {
  schemaPath: join(REPO_ROOT, 'prisma', 'schema.prisma'),
  migrationsDir: join(REPO_ROOT, 'prisma', 'migrations'),
};
