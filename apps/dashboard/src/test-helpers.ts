// Shared by the dashboard's integration suites (not used by the app itself).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

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
