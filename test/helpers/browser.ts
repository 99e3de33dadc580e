// Debian's Chromium driven by playwright-core (which never downloads a browser), for the
// browser tests and the docs screenshot. Not used by the app.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; CHROMIUM_PATH elsewhere (or to see what a box without it does). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const haveChromium = () => existsSync(CHROMIUM_PATH);

export type LaunchedChromium = { context: BrowserContext; close(): Promise<void> };

/**
 * Headless Chromium with a fresh profile directory, removed on close. Playwright takes the
 * profile as launchPersistentContext's argument (it refuses --user-data-dir in `args`) and
 * hands it to Chromium as --user-data-dir.
 */
export async function launchChromium(options: {
  baseURL: string;
  viewport?: { width: number; height: number };
  /** Answers HTTP auth challenges (Bull Board's basic auth) as a browser with saved credentials. */
  httpCredentials?: { username: string; password: string };
}): Promise<LaunchedChromium> {
  const profileDir = await mkdtemp(join(tmpdir(), 'plexhook-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      baseURL: options.baseURL,
      viewport: options.viewport ?? { width: 1280, height: 900 },
      ...(options.httpCredentials ? { httpCredentials: options.httpCredentials } : {}),
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        await rm(profileDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(profileDir, { recursive: true, force: true });
    throw err;
  }
}
