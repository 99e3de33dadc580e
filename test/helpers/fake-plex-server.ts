// Test helper: a stand-in for a Plex Media Server on 127.0.0.1:0, answering JSON in the shapes
// the real server sends (MediaContainer; checked against python-plexapi and Tautulli, which
// read them): `/library/metadata/{key}` (+ `/children`, `/allLeaves`), `/library/sections`,
// `/library/sections/{id}/all`, `/accounts` and `/status/sessions/history/all` (sort,
// `viewedAt>=`, `accountID`, X-Plex-Container-Start/-Size paging, totalSize). Fault modes: a
// status, a raw body or a delay for any path (`faults`), and a hook between history pages to
// change the history mid-import.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeAnswer =
  | { kind: 'show'; title: string; year?: number; guids: string[]; originalTitle?: string; guid?: string }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'raw'; body: string; contentType?: string }
  | { kind: 'slow'; delayMs: number; then?: FakeAnswer };

type Item = Record<string, unknown> & { ratingKey: string; type: string };

/** What the fake server's libraries hold: items by rating key, the play history, the accounts. */
export type FakeLibrary = {
  accounts: { id: number; name: string }[];
  sections: { key: string; type: 'show' | 'movie'; title: string }[];
  items: Map<string, Item>;
  /** History rows as Plex sends them (historyKey, ratingKey, viewedAt in epoch seconds, …). */
  history: Record<string, unknown>[];
};

export type FakeFault = {
  /** Requests whose path (without the query) matches. */
  path: RegExp;
  answer: FakeAnswer;
  /** How many matching requests get it (then the fault is gone); default: all. */
  times?: number;
  /** Skip this many matching requests first (e.g. fail the third history page). */
  after?: number;
};

export type FakePlex = {
  url: string;
  token: string;
  /** What to answer for a rating key's metadata (takes precedence over the library). */
  answers: Map<string, FakeAnswer>;
  library: FakeLibrary;
  faults: FakeFault[];
  /** Called before each history page is answered, with the 0-based number of the request
   * since this hook was set (a new hook counts from 0 again). */
  beforeHistoryPage?: (n: number) => void;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
};

type Built = { ratingKey: string; [k: string]: unknown };

/** Adds a show with its seasons and episodes to a library (new agent: `Guid[]` on the show). */
export function addShow(
  lib: FakeLibrary,
  show: {
    ratingKey: number;
    title: string;
    year?: number;
    guids: string[];
    guid?: string;
    originallyAvailableAt?: string;
    sectionKey?: string;
    seasons: {
      index: number;
      episodes: {
        index: number;
        title?: string;
        airDate?: string;
        viewCount?: number;
        lastViewedAt?: number;
      }[];
    }[];
  },
): { show: Built; episodes: Built[] } {
  const sectionKey = show.sectionKey ?? '1';
  let next = show.ratingKey + 1;
  const showItem: Item = {
    ratingKey: String(show.ratingKey),
    key: `/library/metadata/${show.ratingKey}/children`,
    guid: show.guid ?? `plex://show/${show.ratingKey.toString(16).padStart(24, '0')}`,
    type: 'show',
    title: show.title,
    librarySectionID: Number(sectionKey),
    librarySectionTitle: lib.sections.find((s) => s.key === sectionKey)?.title ?? 'TV Shows',
    ...(show.year !== undefined ? { year: show.year } : {}),
    ...(show.originallyAvailableAt ? { originallyAvailableAt: show.originallyAvailableAt } : {}),
    leafCount: show.seasons.reduce((n, s) => n + s.episodes.length, 0),
    childCount: show.seasons.length,
    Guid: show.guids.map((id) => ({ id })),
  };
  lib.items.set(showItem.ratingKey, showItem);
  const episodes: Built[] = [];
  for (const season of show.seasons) {
    const seasonKey = String(next++);
    lib.items.set(seasonKey, {
      ratingKey: seasonKey,
      key: `/library/metadata/${seasonKey}/children`,
      parentRatingKey: showItem.ratingKey,
      guid: `plex://season/${seasonKey.padStart(24, '0')}`,
      type: 'season',
      title: `Season ${season.index}`,
      parentTitle: show.title,
      index: season.index,
      librarySectionID: Number(sectionKey),
    });
    for (const e of season.episodes) {
      const key = String(next++);
      const item: Item = {
        ratingKey: key,
        key: `/library/metadata/${key}`,
        parentRatingKey: seasonKey,
        grandparentRatingKey: showItem.ratingKey,
        guid: `plex://episode/${key.padStart(24, '0')}`,
        parentGuid: `plex://season/${seasonKey.padStart(24, '0')}`,
        grandparentGuid: showItem.guid,
        type: 'episode',
        title: e.title ?? `Episode ${e.index}`,
        grandparentTitle: show.title,
        parentTitle: `Season ${season.index}`,
        index: e.index,
        parentIndex: season.index,
        librarySectionID: Number(sectionKey),
        ...(e.airDate ? { originallyAvailableAt: e.airDate, year: Number(e.airDate.slice(0, 4)) } : {}),
        ...(e.viewCount !== undefined ? { viewCount: e.viewCount } : {}),
        ...(e.lastViewedAt !== undefined ? { lastViewedAt: e.lastViewedAt } : {}),
        // An episode's Guid[] names the EPISODE (tmdb://<episode id>), never its show.
        Guid: [{ id: `tmdb://${9_000_000 + Number(key)}` }],
      };
      lib.items.set(key, item);
      episodes.push(item);
    }
  }
  return { show: showItem, episodes };
}

/** Adds a movie (new agent `Guid[]`). */
export function addMovie(
  lib: FakeLibrary,
  movie: { ratingKey: number; title: string; year?: number; guids: string[]; sectionKey?: string },
): Built {
  const item: Item = {
    ratingKey: String(movie.ratingKey),
    key: `/library/metadata/${movie.ratingKey}`,
    guid: `plex://movie/${movie.ratingKey.toString(16).padStart(24, '0')}`,
    type: 'movie',
    title: movie.title,
    librarySectionID: Number(movie.sectionKey ?? '2'),
    ...(movie.year !== undefined ? { year: movie.year } : {}),
    Guid: movie.guids.map((id) => ({ id })),
  };
  lib.items.set(item.ratingKey, item);
  return item;
}

let historySeq = 1;

/** A history row of a library item, as `/status/sessions/history/all` lists it. */
export function historyRow(
  item: Built,
  at: { viewedAt: number; accountID?: number; historyId?: number; deviceID?: number },
): Record<string, unknown> {
  const id = at.historyId ?? historySeq++;
  const ep = item.type === 'episode';
  return {
    historyKey: `/status/sessions/history/${id}`,
    key: `/library/metadata/${item.ratingKey}`,
    ratingKey: item.ratingKey,
    librarySectionID: String(item.librarySectionID ?? '1'),
    ...(ep
      ? {
          parentKey: `/library/metadata/${item.parentRatingKey}`,
          grandparentKey: `/library/metadata/${item.grandparentRatingKey}`,
          grandparentTitle: item.grandparentTitle,
          index: item.index,
          parentIndex: item.parentIndex,
        }
      : {}),
    title: item.title,
    type: item.type,
    thumb: `/library/metadata/${item.ratingKey}/thumb/1700000000`,
    ...(item.originallyAvailableAt ? { originallyAvailableAt: item.originallyAvailableAt } : {}),
    viewedAt: at.viewedAt,
    accountID: at.accountID ?? 1,
    deviceID: at.deviceID ?? 5,
  };
}

export function emptyLibrary(): FakeLibrary {
  return {
    accounts: [
      { id: 0, name: '' },
      { id: 1, name: 'owner' },
    ],
    sections: [
      { key: '1', type: 'show', title: 'TV Shows' },
      { key: '2', type: 'movie', title: 'Movies' },
    ],
    items: new Map(),
    history: [],
  };
}

/** The fake server's machineIdentifier (`GET /identity`; a webhook's `Server.uuid`). */
export const FAKE_MACHINE_ID = 'fa4e0000plexhook0000fake0000server';

const TYPE_NUMBERS: Record<string, string> = { '1': 'movie', '2': 'show', '3': 'season', '4': 'episode' };

export async function startFakePlex(token = 'fake-plex-token'): Promise<FakePlex> {
  const answers = new Map<string, FakeAnswer>();
  const requests: FakePlex['requests'] = [];
  const timers = new Set<NodeJS.Timeout>();
  const faultHits = new Map<FakeFault, number>();
  let historyPages = 0;
  let hookSeen: FakePlex['beforeHistoryPage'];
  const fake: FakePlex = {
    url: '',
    token,
    answers,
    library: emptyLibrary(),
    faults: [],
    requests,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const send = (a: FakeAnswer | undefined, showKey?: string): void => {
      if (!a) {
        res.writeHead(404).end();
      } else if (a.kind === 'status') {
        res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body ?? '');
      } else if (a.kind === 'raw') {
        res.writeHead(200, { 'content-type': a.contentType ?? 'application/json' }).end(a.body);
      } else if (a.kind === 'slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) send(a.then ?? { kind: 'status', status: 200, body: '{}' }, showKey);
        }, a.delayMs);
        timers.add(timer);
      } else {
        json({
          size: 1,
          Metadata: [
            {
              ratingKey: showKey,
              type: 'show',
              guid: a.guid ?? 'plex://show/5d9c086c46115600200aa2fe',
              title: a.title,
              ...(a.originalTitle ? { originalTitle: a.originalTitle } : {}),
              ...(a.year !== undefined ? { year: a.year } : {}),
              Guid: a.guids.map((id) => ({ id })),
            },
          ],
        });
      }
    };
    const json = (container: Record<string, unknown>) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ MediaContainer: container }));
    if (req.headers['x-plex-token'] !== token) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    for (const fault of fake.faults) {
      if (!fault.path.test(path)) continue;
      const hits = (faultHits.get(fault) ?? 0) + 1;
      faultHits.set(fault, hits);
      if (hits <= (fault.after ?? 0)) continue;
      if (fault.times !== undefined && hits > (fault.after ?? 0) + fault.times) continue;
      send(fault.answer);
      return;
    }
    const header = (name: string) => {
      const h = req.headers[name.toLowerCase()];
      return typeof h === 'string' ? h : (url.searchParams.get(name) ?? undefined);
    };
    const paged = (all: unknown[], extra: Record<string, unknown> = {}) => {
      const start = Number(header('X-Plex-Container-Start') ?? 0);
      const size = Number(header('X-Plex-Container-Size') ?? all.length);
      const slice = all.slice(start, start + size);
      json({ size: slice.length, totalSize: all.length, offset: start, ...extra, Metadata: slice });
    };
    const lib = fake.library;

    if (path === '/status/sessions/history/all') {
      if (fake.beforeHistoryPage !== hookSeen) {
        hookSeen = fake.beforeHistoryPage;
        historyPages = 0;
      }
      fake.beforeHistoryPage?.(historyPages++);
      let rows = [...lib.history];
      const since = url.searchParams.get('viewedAt>');
      if (since !== null) rows = rows.filter((r) => (r.viewedAt as number) >= Number(since));
      const account = url.searchParams.get('accountID');
      if (account !== null) rows = rows.filter((r) => String(r.accountID) === account);
      const [field, dir] = (url.searchParams.get('sort') ?? 'viewedAt:desc').split(':');
      rows.sort((a, b) => {
        const d = (a[field!] as number) - (b[field!] as number);
        return dir === 'asc' ? d : -d;
      });
      paged(rows);
      return;
    }
    if (path === '/identity') {
      json({ size: 0, claimed: true, machineIdentifier: FAKE_MACHINE_ID, version: '1.41.0.8992-fake' });
      return;
    }
    if (path === '/accounts') {
      json({
        size: lib.accounts.length,
        identifier: 'com.plexapp.system.accounts',
        Account: lib.accounts.map((a) => ({
          id: a.id,
          key: `/accounts/${a.id}`,
          name: a.name,
          defaultAudioLanguage: 'en',
          autoSelectAudio: true,
          defaultSubtitleLanguage: 'en',
          subtitleMode: 0,
          thumb: '',
        })),
      });
      return;
    }
    if (path === '/library/sections') {
      json({
        size: lib.sections.length,
        allowSync: false,
        title1: 'Plex Library',
        Directory: lib.sections.map((s) => ({
          key: s.key,
          type: s.type,
          title: s.title,
          agent: s.type === 'show' ? 'tv.plex.agents.series' : 'tv.plex.agents.movie',
          scanner: s.type === 'show' ? 'Plex TV Series' : 'Plex Movie',
          language: 'en-US',
          uuid: `0000000${s.key}-aaaa-bbbb-cccc-dddddddddddd`,
        })),
      });
      return;
    }
    const all = /^\/library\/sections\/(\d+)\/all$/.exec(path);
    if (all) {
      const section = lib.sections.find((s) => s.key === all[1]);
      if (!section) return send(undefined);
      const type = TYPE_NUMBERS[url.searchParams.get('type') ?? ''] ?? section.type;
      const items = [...lib.items.values()].filter(
        (i) => String(i.librarySectionID) === section.key && i.type === type,
      );
      paged(items, { librarySectionID: Number(section.key), librarySectionTitle: section.title });
      return;
    }
    const meta = /^\/library\/metadata\/(\d+)(\/children|\/allLeaves)?$/.exec(path);
    if (meta) {
      const [, key, sub] = meta;
      if (!sub && answers.has(key!)) return send(answers.get(key!), key);
      const item = lib.items.get(key!);
      if (!item) return send(undefined);
      if (!sub) return json({ size: 1, Metadata: [item] });
      const kids = [...lib.items.values()].filter((i) =>
        sub === '/children'
          ? i.parentRatingKey === key
          : i.grandparentRatingKey === key && i.type === 'episode',
      );
      paged(kids, { key: item.ratingKey, title1: item.title });
      return;
    }
    send(undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise((resolve) => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
