import { join } from 'node:path';

/**
 * The demo catalogue (both iCarly shows and some well-known shows and movies) that
 * `demo:seed` imports. Production data next to the code that reads it, so the runtime image
 * has it; tests read it too.
 */
export const DEMO_CATALOG_PATH = join(__dirname, 'demo-catalog.json');
export const DEMO_USER_NAME = 'demo';
