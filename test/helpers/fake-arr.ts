// A Sonarr or Radarr of a test's own: answers `GET /api/v3/series`, `/api/v3/episode?seriesId=`
// and `/api/v3/movie` in the shapes of the real v3 API, checks `X-Api-Key`, and can page its
// lists (`{ page, pageSize, totalRecords, records }`) the way a proxy or a newer API might.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeArr = {
  url: string;
  apiKey: string;
  /** Requests seen, as `path?query`, and whether each carried the key. */
  requests: { path: string; hadKey: boolean }[];
  close(): Promise<void>;
};

export type FakeArrData = {
  series?: unknown[];
  /** Episodes by Sonarr series id. */
  episodes?: Record<number, unknown[]>;
  movies?: unknown[];
  /** Page lists by this many records (a paged answer instead of an array). */
  pageSize?: number;
  /** Under a URL base, as Sonarr allows (`/sonarr`). */
  urlBase?: string;
};

export async function startFakeArr(data: FakeArrData, apiKey = 'fake-arr-key'): Promise<FakeArr> {
  const requests: FakeArr['requests'] = [];
  const base = data.urlBase ?? '';
  const send = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const list = (res: ServerResponse, url: URL, items: unknown[]) => {
    if (!data.pageSize) return send(res, 200, items);
    const page = Number(url.searchParams.get('page') ?? 1);
    const size = Number(url.searchParams.get('pageSize') ?? data.pageSize);
    const pageSize = Math.min(size, data.pageSize);
    send(res, 200, {
      page,
      pageSize,
      totalRecords: items.length,
      records: items.slice((page - 1) * pageSize, page * pageSize),
    });
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const hadKey = req.headers['x-api-key'] === apiKey;
    requests.push({ path: `${url.pathname}${url.search}`, hadKey });
    if (!hadKey) return send(res, 401, { error: 'Unauthorized' });
    const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : url.pathname;
    if (path === '/api/v3/series') return list(res, url, data.series ?? []);
    if (path === '/api/v3/episode') {
      const id = Number(url.searchParams.get('seriesId'));
      return list(res, url, data.episodes?.[id] ?? []);
    }
    if (path === '/api/v3/movie') return list(res, url, data.movies ?? []);
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not found</html>');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    apiKey,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
