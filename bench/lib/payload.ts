// What the load generators send: Plex's media.scrobble as Plex sends it (multipart/form-data,
// JSON in the `payload` field, optionally a JPEG `thumb` file), padded with the fields a real
// Plex server includes (summary, Media/Part, Guid[], Role...) to about 3 KB of JSON. Bodies are
// built once, before a run, with a fixed boundary: the load generator only picks the next one.
import type { PlexPayload } from '@plexhook/core';
import { buildPlexPayload } from '../../test/helpers/plex-payload';

export const BOUNDARY = '----plexhookBenchBoundary7MA4YWxkTrZu0gW';
export const MULTIPART_HEADERS = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

/** The catalogue the e2e and inline benches scrobble against: shows x seasons x episodes. */
export const CATALOGUE = { users: 50, shows: 500, seasons: 4, episodesPerSeason: 10 } as const;
export const EPISODES_PER_SHOW = CATALOGUE.seasons * CATALOGUE.episodesPerSeason;
export const showRatingKey = (show: number) => String(100_000 + show);
export const showTmdbId = (show: number) => 5_000_000 + show;

export type ScrobbleRef = { user: number; show: number; season: number; episode: number };

/**
 * Scrobble i of a run: users round-robin, and the episode walks the whole catalogue, so for
 * i < shows x 40 every (user, episode) pair is distinct. The episode's rating key is unique per
 * scrobble (`offset` separates runs), so Plex-style dedupe never collapses two of them.
 */
export function scrobbleRef(i: number): ScrobbleRef {
  const e = i % (CATALOGUE.shows * EPISODES_PER_SHOW);
  const inShow = e % EPISODES_PER_SHOW;
  return {
    user: i % CATALOGUE.users,
    show: Math.floor(e / EPISODES_PER_SHOW),
    season: 1 + Math.floor(inShow / CATALOGUE.episodesPerSeason),
    episode: 1 + (inShow % CATALOGUE.episodesPerSeason),
  };
}

const SUMMARY =
  'After years away, the former web star returns home to find that her friends have moved on, ' +
  'her brother is hiding something, and the building manager has a new scheme to evict the whole ' +
  'floor. A live stream goes wrong in the most public way possible, an old rival resurfaces with ' +
  'an offer that is too good to be true, and a misplaced package sets off a chain of events that ' +
  'ends with a citywide scavenger hunt, a broken elevator and a confession nobody saw coming.';

export function realisticPayload(i: number, showTitle: string, offset = 0): PlexPayload {
  const r = scrobbleRef(i);
  const itemKey = 10_000_000 + offset + i;
  const payload = buildPlexPayload({
    Account: {
      id: 1000 + r.user,
      title: `benchuser${r.user}`,
      thumb: `https://plex.tv/users/${r.user}/avatar?c=1700000000`,
    },
    Metadata: {
      ratingKey: String(itemKey),
      key: `/library/metadata/${itemKey}`,
      parentRatingKey: String(2_000_000 + r.show * 10 + r.season),
      grandparentRatingKey: showRatingKey(r.show),
      guid: `plex://episode/5d9c0c1e2df347001e3b${(itemKey % 0xffff).toString(16).padStart(4, '0')}`,
      grandparentGuid: `plex://show/5d9c086c46115600200a${(r.show % 0xffff).toString(16).padStart(4, '0')}`,
      grandparentTitle: showTitle,
      parentTitle: `Season ${r.season}`,
      title: `Episode ${r.episode}`,
      parentIndex: r.season,
      index: r.episode,
      year: 2021,
      originallyAvailableAt: '2021-06-17',
      // Show-level ids are not in an episode payload; these are the episode's own.
      Guid: [
        { id: `imdb://tt${14_000_000 + i}` },
        { id: `tmdb://${3_000_000 + i}` },
        { id: `tvdb://${8_000_000 + i}` },
      ],
    },
  });
  // Fields a real server sends and nobody reads: they make the JSON the size Plex's is.
  Object.assign(payload.Metadata as Record<string, unknown>, {
    librarySectionTitle: 'TV Shows',
    librarySectionID: 2,
    librarySectionKey: '/library/sections/2',
    studio: 'Nickelodeon Productions',
    contentRating: 'TV-G',
    summary: SUMMARY,
    rating: 7.4,
    audienceRating: 8.1,
    viewCount: 1,
    thumb: `/library/metadata/${itemKey}/thumb/1700000000`,
    art: `/library/metadata/${r.show}/art/1700000000`,
    parentThumb: `/library/metadata/${r.show}/thumb/1700000000`,
    grandparentThumb: `/library/metadata/${r.show}/thumb/1700000000`,
    grandparentArt: `/library/metadata/${r.show}/art/1700000000`,
    grandparentTheme: `/library/metadata/${r.show}/theme/1700000000`,
    addedAt: 1_690_000_000,
    updatedAt: 1_700_000_000,
    Media: [
      {
        id: 500_000 + i,
        duration: 1_380_000,
        bitrate: 4_200,
        width: 1920,
        height: 1080,
        aspectRatio: 1.78,
        audioChannels: 6,
        audioCodec: 'eac3',
        videoCodec: 'h264',
        videoResolution: '1080',
        container: 'mkv',
        videoFrameRate: '24p',
        videoProfile: 'high',
        Part: [
          {
            id: 600_000 + i,
            key: `/library/parts/${600_000 + i}/1700000000/file.mkv`,
            duration: 1_380_000,
            file: `/data/media/tv/${showTitle}/Season ${r.season}/${showTitle} - S0${r.season}E${String(r.episode).padStart(2, '0')} - Episode ${r.episode} WEBDL-1080p.mkv`,
            size: 1_234_567_890,
            container: 'mkv',
            videoProfile: 'high',
          },
        ],
      },
    ],
    Director: [{ id: 101, filter: 'director=101', tag: 'Jane Director', tagKey: '5d7768' }],
    Writer: [{ id: 102, filter: 'writer=102', tag: 'John Writer', tagKey: '5d7769' }],
    Role: [
      {
        id: 201,
        filter: 'actor=201',
        tag: 'Lead Actor',
        tagKey: '5d776a',
        role: 'Carly',
        thumb: 'https://metadata-static.plex.tv/a/people/1.jpg',
      },
      {
        id: 202,
        filter: 'actor=202',
        tag: 'Second Actor',
        tagKey: '5d776b',
        role: 'Spencer',
        thumb: 'https://metadata-static.plex.tv/a/people/2.jpg',
      },
      {
        id: 203,
        filter: 'actor=203',
        tag: 'Third Actor',
        tagKey: '5d776c',
        role: 'Harper',
        thumb: 'https://metadata-static.plex.tv/a/people/3.jpg',
      },
    ],
  });
  return payload;
}

/** 40 KB of deterministic bytes with a JPEG header: the thumb Plex attaches to a scrobble. */
export function fakeJpeg(bytes = 40 * 1024): Buffer {
  const buf = Buffer.alloc(bytes);
  let x = 0x12345678;
  for (let k = 0; k < bytes; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[k] = x >>> 24;
  }
  buf.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46], 0);
  return buf;
}

/** One multipart body, as Plex's server sends it (payload first, then the optional thumb). */
export function multipartBody(payload: unknown, thumb?: Buffer): Buffer {
  const head =
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="payload"\r\n` +
    `Content-Type: application/json\r\n\r\n${JSON.stringify(payload)}\r\n`;
  if (!thumb) return Buffer.from(`${head}--${BOUNDARY}--\r\n`);
  return Buffer.concat([
    Buffer.from(
      `${head}--${BOUNDARY}\r\nContent-Disposition: form-data; name="thumb"; filename="thumb.jpg"\r\n` +
        'Content-Type: image/jpeg\r\n\r\n',
    ),
    thumb,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}
