// A play of an already mapped Jellyfin or Emby show takes the hot path as a Plex scrobble does:
// the scoped mapping and the episode are read with the context (one statement), the log row and
// the watch are one write; no mapping, conflict or episode lookup of their own. Measured by
// counting every store call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorkerStore, type WorkerStore } from '@plexhook/db';
import { enqueueWebhook } from '@plexhook/queue';
import pino from 'pino';
import { seedShow } from '../../../test/helpers/factories';
import { type Pipeline, startPipeline } from '../../../test/helpers/pipeline';
import { processPlexEvent } from './processors/plex-event.processor';

let p: Pipeline;
beforeAll(async () => {
  p = await startPipeline('sourceshot');
});
afterAll(() => p?.close());

const fixture = (path: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', path), 'utf8')) as Record<
    string,
    unknown
  >;

/** The store with a count of every call per function. */
function counted(store: WorkerStore): { store: WorkerStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const wrapped = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: wrapped, calls };
}

test.each([
  [
    'jellyfin',
    (ep: number) => ({
      ...fixture('jellyfin/episode-playback-stop.json'),
      EpisodeNumber: ep,
      Name: ep === 1 ? 'One' : 'Two',
      PremiereDate: '2022-02-18',
      ItemId: `5b1d3c7e9f0a4b2c8d6e1f3a5b7c9d0${ep}`,
    }),
  ],
  [
    'emby',
    (ep: number) => {
      const base = fixture('emby/episode-playback-start.json');
      return {
        ...base,
        Event: 'playback.stop',
        Item: {
          ...(base.Item as object),
          Id: `2402${ep}`,
          IndexNumber: ep,
          Name: ep === 1 ? 'One' : 'Two',
          PremiereDate: '2023-06-20T00:00:00.0000000Z',
          ParentIndexNumber: 1,
          SeriesName: 'Hot Path Show',
        },
        PlaybackInfo: { PlayedToCompletion: true },
      };
    },
  ],
] as const)(
  '%s: a mapped play is the context read and the log write, nothing else',
  async (source, payload) => {
    const user = await p.createUser(`hot-${source}`);
    await seedShow(p.db, {
      title: source === 'jellyfin' ? 'Severance' : 'Hot Path Show',
      firstAired: source === 'jellyfin' ? '2022-02-18' : '2023-06-20',
      episodes: [
        [1, 1, 'One'],
        [1, 2, 'Two'],
      ],
    });
    const deps = (store: WorkerStore) => ({
      db: p.db,
      store,
      redis: p.q.redis,
      logger: pino({ level: 'silent' }),
      config: p.workerConfig,
    });
    const run = async (jobId: string, body: Record<string, unknown>) => {
      await enqueueWebhook(p.q.queue, jobId, {
        userId: user.id,
        source,
        receivedAt: new Date().toISOString(),
        payload: body,
      });
      return (await p.q.queue.getJob(jobId))!;
    };
    // The first play maps the show (matching: several statements).
    const first = await processPlexEvent(
      deps(createWorkerStore(p.db)),
      await run(`${source}-hot-1`, payload(1)),
    );
    expect(first.action).toBe('episode_marked');
    // The next one: two store calls, one statement each.
    const { store, calls } = counted(createWorkerStore(p.db));
    const second = await processPlexEvent(deps(store), await run(`${source}-hot-2`, payload(2)));
    expect(second.action).toBe('episode_marked');
    // The mapping (and the episode) came with the context: no lookup of its own. (issue 18's
    // playback session write, `writePlayback`, is a statement of every scrobble, Plex's too.)
    const { writePlayback: _session, ...rest } = Object.fromEntries(calls);
    expect(rest).toEqual({ readContext: 1, writeLog: 1 });
    expect(store.stats.contexts.statements).toBe(1);
    expect(store.stats.logs.statements).toBe(1);
  },
);
