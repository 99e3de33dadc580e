// Child processes for the benchmarks: the real apps (as `npm start` runs them: node + tsx) and
// the bench-only servers, each with its own environment. Every process is stopped by its pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type Proc = {
  name: string;
  child: ChildProcess;
  pid: number;
  output(): string;
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
};

const running = new Set<Proc>();

/** Runs a TypeScript entry point (path from the repo root) as `node --import tsx FILE`. */
export function spawnTs(name: string, file: string, env: Record<string, string>): Proc {
  // BENCH_CPU_PROF=DIR:NAME_PREFIX writes a V8 CPU profile of the matching processes to DIR.
  const [profDir, profName] = (process.env.BENCH_CPU_PROF ?? '').split(':');
  const prof =
    profDir && profName && name.startsWith(profName) ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', join(ROOT, file)], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  // Keep the tail only: a chatty process must not grow the bench's memory.
  let out = '';
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 64_000) out = out.slice(-32_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const proc: Proc = {
    name,
    child,
    pid: child.pid,
    output: () => out,
    async waitForOutput(re, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const m = re.exec(out);
        if (m) return m[0];
        if (child.exitCode !== null)
          throw new Error(`${name} exited (${child.exitCode}):\n${out.slice(-2000)}`);
        await sleep(50);
      }
      throw new Error(`${name}: no ${re} within ${timeoutMs} ms:\n${out.slice(-2000)}`);
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(proc);
  return proc;
}

/** Stops whatever this bench started and is still running (on error or Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGTERM', 5_000)));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitHttp(url: string, proc: Proc, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output().slice(-2000)}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${proc.name}: ${url} not up within ${timeoutMs} ms:\n${proc.output().slice(-2000)}`);
}

/** Samples VmRSS (kB in /proc/PID/status) every `everyMs` until stopped; returns the max in MB. */
export function sampleRss(pid: number, everyMs = 100): { stop(): { maxMb: number; lastMb: number } } {
  let max = 0;
  let last = 0;
  const read = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) {
        last = Number(m[1]) / 1024;
        if (last > max) max = last;
      }
    } catch {
      // process gone
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return { maxMb: Math.round(max * 10) / 10, lastMb: Math.round(last * 10) / 10 };
    },
  };
}

export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/**
 * A process's command name and CPU ticks from /proc/PID/stat: its own (user + system) and those
 * of its exited, reaped children. USER_HZ is 100 on Linux. Throws once the process is gone.
 */
function procTicks(pid: number | string): { comm: string; own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const close = stat.lastIndexOf(')');
  // Fields after the command name (which may hold spaces) start at index 2 = state.
  const f = stat.slice(close + 2).split(' ');
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    own: Number(f[11]) + Number(f[12]),
    children: Number(f[13]) + Number(f[14]),
  };
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    return procTicks(pid).own / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds used by every PostgreSQL process of this machine (postmaster, backends, background
 * workers), plus what exited children already handed to their parent: take deltas around a run.
 */
export function postgresCpuSeconds(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const p = procTicks(entry);
      if (p.comm === 'postgres') ticks += p.own + p.children;
    } catch {
      // the process exited while we looked
    }
  }
  return ticks / 100;
}

/** Busy and total jiffies of the whole machine (every core), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
