// A small round-robin HTTP load balancer for the many-node tests, standing in for a Kubernetes
// Service or any L7 balancer in front of several ingest processes. A request goes to the next
// backend; one that refuses the connection (a dead process) is taken out of the rotation for 2 s
// and the request goes to the next, which is safe because nothing reached it. A backend that dies with the request in
// flight gets the client a 502: the webhook was not accepted (it may still have been queued).
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RoundRobinProxy = {
  url: string;
  /** The backends, as base URLs; replace entries to point at restarted processes. */
  backends: string[];
  /** Answers by backend base URL, and 502s. */
  counts: Map<string, number>;
  badGateway: number;
  /** Upstream errors by code. */
  errors: Map<string, number>;
  close(): Promise<void>;
};

export async function startRoundRobinProxy(backends: string[]): Promise<RoundRobinProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let next = 0;
  const proxy: RoundRobinProxy = {
    url: '',
    backends,
    counts: new Map(),
    badGateway: 0,
    errors: new Map(),
    close: async () => {
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const downUntil = new Map<string, number>();
  /** The next backend in turn that has not refused a connection lately (any, if all have). */
  const pick = (): string => {
    const n = proxy.backends.length;
    for (let i = 0; i < n; i++) {
      const base = proxy.backends[next++ % n] as string;
      if ((downUntil.get(base) ?? 0) <= Date.now()) return base;
    }
    return proxy.backends[next++ % n] as string;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (triesLeft: number) => {
        const base = pick();
        const target = new URL(req.url ?? '/', base);
        const upstream = request(
          target,
          { method: req.method, headers: { ...req.headers, host: target.host }, agent },
          (answer) => {
            proxy.counts.set(base, (proxy.counts.get(base) ?? 0) + 1);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', (err: NodeJS.ErrnoException) => {
          const code = `${err.code ?? err.message}${upstream.reusedSocket ? ' (reused socket)' : ''}`;
          proxy.errors.set(code, (proxy.errors.get(code) ?? 0) + 1);
          if (res.headersSent) return res.destroy();
          if (err.code === 'ECONNREFUSED') {
            // Passive health check, as a balancer does: out of the rotation for a while.
            downUntil.set(base, Date.now() + 2_000);
            if (triesLeft > 1) return attempt(triesLeft - 1);
          }
          proxy.badGateway++;
          res
            .writeHead(502, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: err.code ?? err.message }));
        });
        upstream.end(body);
      };
      attempt(proxy.backends.length + 1);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
