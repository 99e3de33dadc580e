// Test helper: a stand-in for a Plex Media Server's metadata endpoint, on 127.0.0.1:0.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeAnswer =
  | { kind: 'show'; title: string; year?: number; guids: string[]; originalTitle?: string; guid?: string }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'raw'; body: string; contentType?: string }
  | { kind: 'slow'; delayMs: number; then?: FakeAnswer };

export type FakePlex = {
  url: string;
  token: string;
  /** What to answer for a rating key; unknown keys get 404. */
  answers: Map<string, FakeAnswer>;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
};

export async function startFakePlex(token = 'fake-plex-token'): Promise<FakePlex> {
  const answers = new Map<string, FakeAnswer>();
  const requests: FakePlex['requests'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    if (req.headers['x-plex-token'] !== token) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    const match = /^\/library\/metadata\/(\d+)$/.exec(req.url ?? '');
    const answer = match ? answers.get(match[1]!) : undefined;
    const send = (a: FakeAnswer | undefined): void => {
      if (!a) {
        res.writeHead(404).end();
      } else if (a.kind === 'status') {
        res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body ?? '');
      } else if (a.kind === 'raw') {
        res.writeHead(200, { 'content-type': a.contentType ?? 'application/json' }).end(a.body);
      } else if (a.kind === 'slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(a.then ?? { kind: 'status', status: 200, body: '{}' });
        }, a.delayMs);
        timers.add(timer);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            MediaContainer: {
              size: 1,
              Metadata: [
                {
                  ratingKey: match![1],
                  type: 'show',
                  guid: a.guid ?? 'plex://show/5d9c086c46115600200aa2fe',
                  title: a.title,
                  ...(a.originalTitle ? { originalTitle: a.originalTitle } : {}),
                  ...(a.year !== undefined ? { year: a.year } : {}),
                  Guid: a.guids.map((id) => ({ id })),
                },
              ],
            },
          }),
        );
      }
    };
    send(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    answers,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
