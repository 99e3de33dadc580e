import { join } from 'node:path';
import { REPO_ROOT } from '@plexhook/db';

/** The demo catalogue (both iCarly shows and some well-known shows and movies). */
export const DEMO_CATALOG_PATH = join(REPO_ROOT, 'test', 'fixtures', 'demo-catalog.json');
export const DEMO_USER_NAME = 'demo';
