import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { embyWatchEvent } from './emby-event';
import { jellyfinWatchEvent } from './jellyfin-event';
import { multiEpisodeEnd } from './watch-event';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures', name), 'utf8')) as Record<
    string,
    unknown
  >;
const job = { userId: 1, receivedAt: new Date('2026-12-01T20:00:00Z') };

describe('multi-episode files', () => {
  it.each([
    [1, 2, 2],
    [1, 1, undefined],
    [3, 2, undefined],
    [1, undefined, undefined],
    [undefined, 2, undefined],
    [1, 500, undefined],
  ])('multiEpisodeEnd(%p, %p) is %p', (first, end, expected) => {
    expect(multiEpisodeEnd(first, end)).toBe(expected);
  });

  it("Jellyfin's EpisodeNumberEnd (a number or template text) is the file's last episode", () => {
    const stop = fixture('jellyfin/episode-playback-stop.json');
    for (const end of [2, '2']) {
      const e = jellyfinWatchEvent({ ...job, payload: { ...stop, EpisodeNumberEnd: end } });
      expect(e.media).toMatchObject({ kind: 'episode', season: 1, episode: 1, episodeEnd: 2 });
    }
    const plain = jellyfinWatchEvent({ ...job, payload: stop });
    expect(plain.media).toMatchObject({ kind: 'episode', episode: 1 });
    expect((plain.media as { episodeEnd?: number }).episodeEnd).toBeUndefined();
  });

  it("Emby's Item.IndexNumberEnd likewise", () => {
    const start = fixture('emby/episode-playback-start.json') as { Item: Record<string, unknown> };
    const e = embyWatchEvent({
      ...job,
      payload: { ...start, Item: { ...start.Item, IndexNumber: 3, IndexNumberEnd: 4 } },
    });
    expect(e.media).toMatchObject({ kind: 'episode', episode: 3, episodeEnd: 4 });
  });
});
