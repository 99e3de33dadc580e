// Test helper: a stand-in for a Jellyfin or Emby server's item API, on 127.0.0.1:0.
// Jellyfin: GET /Items/{id} answers the item; Emby: GET /Items?Ids={id}&Fields=… answers
// {Items: [item]}. Both want the API key in X-Emby-Token (Jellyfin also takes
// `Authorization: MediaBrowser Token="…"`); a key in the query string is refused, so a test
// fails if the client ever puts it in a URL.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeItem =
  | {
      kind: 'item';
      type?: string;
      name: string;
      originalTitle?: string;
      productionYear?: number;
      premiereDate?: string;
      providerIds?: Record<string, string>;
    }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'raw'; body: string }
  | { kind: 'slow'; delayMs: number; then?: FakeItem };

export type FakeMediaServer = {
  flavour: 'jellyfin' | 'emby';
  url: string;
  apiKey: string;
  /** What to answer for an item id; unknown ids get 404. */
  items: Map<string, FakeItem>;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
};

export async function startFakeMediaServer(
  flavour: 'jellyfin' | 'emby',
  apiKey = `fake-${flavour}-key`,
): Promise<FakeMediaServer> {
  const items = new Map<string, FakeItem>();
  const requests: FakeMediaServer['requests'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://fake');
    const auth = req.headers.authorization;
    const keyed =
      req.headers['x-emby-token'] === apiKey ||
      (flavour === 'jellyfin' && auth === `MediaBrowser Token="${apiKey}"`);
    if (!keyed || url.searchParams.has('api_key')) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    let id: string | undefined;
    if (flavour === 'jellyfin') id = /^\/Items\/([A-Za-z0-9-]+)$/.exec(url.pathname)?.[1];
    else if (url.pathname === '/Items') id = url.searchParams.get('Ids') ?? undefined;
    const send = (a: FakeItem | undefined): void => {
      if (!a || id === undefined) {
        res.writeHead(404).end();
      } else if (a.kind === 'status') {
        res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body ?? '');
      } else if (a.kind === 'raw') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(a.body);
      } else if (a.kind === 'slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(a.then ?? { kind: 'status', status: 200, body: '{}' });
        }, a.delayMs);
        timers.add(timer);
      } else {
        const item = {
          Name: a.name,
          Id: id,
          Type: a.type ?? 'Series',
          ...(a.originalTitle ? { OriginalTitle: a.originalTitle } : {}),
          ...(a.productionYear !== undefined ? { ProductionYear: a.productionYear } : {}),
          ...(a.premiereDate ? { PremiereDate: `${a.premiereDate}T00:00:00.0000000Z` } : {}),
          ProviderIds: a.providerIds ?? {},
        };
        const body = flavour === 'jellyfin' ? item : { Items: [item], TotalRecordCount: 1 };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      }
    };
    send(id === undefined ? undefined : items.get(id));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    flavour,
    url: `http://127.0.0.1:${port}`,
    apiKey,
    items,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
