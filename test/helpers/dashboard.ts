// Shared by the dashboard's integration suites: the app on a free port, the CLI as a process,
// the web page's login.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createDashboardApp, type DashboardDeps } from '@plexhook/dashboard';
import pino from 'pino';
import { type Listening, listen } from './http';

const ROOT = join(__dirname, '..', '..');

/** The dashboard app on a free port, on a suite's own database and queue, logging nothing. */
export function listenDashboard(
  on: Pick<DashboardDeps, 'db' | 'redis' | 'queue'>,
  config: DashboardDeps['config'],
): Promise<Listening> {
  return listen(createDashboardApp({ ...on, logger: pino({ level: 'silent' }), config }));
}

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** The CLI as a person runs it: its own process, configured by the environment only. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'apps/dashboard/src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The webhook URL a CLI command printed. */
export function webhookUrlIn(output: string): URL {
  const match = /webhook URL[^:]*: (\S+)/.exec(output);
  if (!match) throw new Error(`no webhook URL in: ${output}`);
  return new URL(match[1]!);
}

export type WebClient = {
  /** The CSRF token of the session (the one the page's forms carry). */
  csrf: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** A form post with the session's CSRF token added; redirects are not followed. */
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  /** The Cookie header this client sends now. */
  cookie(): string;
};

/** Logs in to the web page as a browser would (login form, its CSRF cookie, then the session). */
export async function webLogin(baseUrl: string, token: string): Promise<WebClient> {
  const cookies = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  };
  const cookie = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrfIn = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const get = async (path: string, headers: Record<string, string> = {}) =>
    keep(await fetch(`${baseUrl}${path}`, { headers: { cookie: cookie(), ...headers }, redirect: 'manual' }));
  const postForm = async (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    keep(
      await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { cookie: cookie(), ...headers },
        body: new URLSearchParams(form),
        redirect: 'manual',
      }),
    );
  const loginCsrf = csrfIn(await (await get('/login')).text());
  const loggedIn = await postForm('/login', { token, csrf: loginCsrf });
  if (loggedIn.status !== 303) throw new Error(`login failed: ${loggedIn.status}`);
  const client: WebClient = {
    csrf: csrfIn(await (await get('/')).text()),
    get,
    post: (path, form, headers) => postForm(path, { csrf: client.csrf, ...form }, headers),
    cookie,
  };
  return client;
}
