import { buildPlexPayload, type PlexPayloadOverrides } from '../../../test/helpers/plex-payload';
import { classifyEvent, type EventClassification, type EventFilterConfig } from './events';

const everyone: EventFilterConfig = { enabled: true, plexUsernames: [] };

describe('classifyEvent', () => {
  const rows: [
    string,
    PlexPayloadOverrides,
    EventFilterConfig,
    EventClassification | { action: string; reason: RegExp },
  ][] = [
    ['episode scrobble', {}, everyone, { kind: 'process', action: 'scrobble', mediaType: 'episode' }],
    [
      'movie scrobble',
      { Metadata: { type: 'movie', librarySectionType: 'movie', guid: 'plex://movie/x' } },
      everyone,
      { kind: 'process', action: 'scrobble', mediaType: 'movie' },
    ],
    [
      'allow-listed by title, any case',
      { Account: { title: 'Alice' } },
      { enabled: true, plexUsernames: [' ALICE '] },
      { kind: 'process', action: 'scrobble', mediaType: 'episode' },
    ],
    [
      'allow-listed by account id',
      { Account: { id: 42, title: 'bob' } },
      { enabled: true, plexUsernames: ['42'] },
      { kind: 'process', action: 'scrobble', mediaType: 'episode' },
    ],
    [
      'owner by id 1',
      { Account: { id: 1, title: 'owner-renamed' } },
      { enabled: true, plexUsernames: ['1', 'carol'] },
      { kind: 'process', action: 'scrobble', mediaType: 'episode' },
    ],
    [
      '@me admits the webhook account itself (user flag), renamed or not',
      { user: true, owner: true, Account: { id: 1, title: 'renamed-owner' } },
      { enabled: true, plexUsernames: ['@me'] },
      { kind: 'process', action: 'scrobble', mediaType: 'episode' },
    ],
    [
      "@me: a shared user's play on the owner's server (owner flag only) is not the owner's",
      { user: false, owner: true, Account: { id: 9, title: 'guest' } },
      { enabled: true, plexUsernames: ['@me'] },
      { action: 'ignored_account', reason: /guest/ },
    ],
    [
      'shared user allow-listed next to @me',
      { user: false, owner: true, Account: { id: 9, title: 'Guest' } },
      { enabled: true, plexUsernames: ['@me', 'guest'] },
      { kind: 'process', action: 'scrobble', mediaType: 'episode' },
    ],
    [
      'empty allow-list: every account on a multi-user server',
      { user: false, owner: true, Account: { id: 9, title: 'guest' } },
      everyone,
      { kind: 'process', action: 'scrobble', mediaType: 'episode' },
    ],
    [
      'an account titled like the token is matched by title only through the list',
      { user: false, Account: { id: 5, title: '@me' } },
      { enabled: true, plexUsernames: ['alice'] },
      { action: 'ignored_account', reason: /@me/ },
    ],
    [
      'disabled wins over everything',
      { event: 'media.play' },
      { enabled: false, plexUsernames: ['nobody'] },
      { action: 'ignored_disabled', reason: /disabled/ },
    ],
    [
      'account not allow-listed',
      { Account: { id: 7, title: 'bob' } },
      { enabled: true, plexUsernames: ['alice'] },
      { action: 'ignored_account', reason: /bob/ },
    ],
    [
      'account check before event check',
      { event: 'media.play', Account: { id: 7, title: 'bob' } },
      { enabled: true, plexUsernames: ['alice'] },
      { action: 'ignored_account', reason: /bob/ },
    ],
    [
      'no account with an allow-list',
      { Account: null },
      { enabled: true, plexUsernames: ['alice'] },
      { action: 'ignored_account', reason: /none/ },
    ],
    [
      'account id must match exactly, not as a prefix',
      { Account: { id: 12, title: 'x' } },
      { enabled: true, plexUsernames: ['1'] },
      { action: 'ignored_account', reason: /x/ },
    ],
    [
      'media.play',
      { event: 'media.play' },
      everyone,
      { kind: 'process', action: 'progress', mediaType: 'episode' },
    ],
    [
      'media.pause',
      { event: 'media.pause' },
      everyone,
      { kind: 'process', action: 'progress', mediaType: 'episode' },
    ],
    [
      'media.resume',
      { event: 'media.resume' },
      everyone,
      { kind: 'process', action: 'progress', mediaType: 'episode' },
    ],
    [
      'media.stop',
      { event: 'media.stop' },
      everyone,
      { kind: 'process', action: 'progress', mediaType: 'episode' },
    ],
    [
      'media.rate of an episode',
      { event: 'media.rate', Metadata: { userRating: 8 } },
      everyone,
      { kind: 'process', action: 'rating', mediaType: 'episode' },
    ],
    [
      'media.rate of a show',
      { event: 'media.rate', Metadata: { type: 'show', ratingKey: '999', userRating: 6 } },
      everyone,
      { kind: 'process', action: 'rating', mediaType: 'show' },
    ],
    [
      'media.rate of a track',
      { event: 'media.rate', Metadata: { type: 'track', librarySectionType: 'artist' } },
      everyone,
      { action: 'ignored_event', reason: /music/ },
    ],
    [
      'a media.* event that is not a playback state',
      { event: 'media.something' },
      everyone,
      { action: 'ignored_event', reason: /media\.something/ },
    ],
    [
      'media.play of live TV',
      { event: 'media.play', Metadata: { live: 1 } },
      everyone,
      { action: 'ignored_event', reason: /live TV/ },
    ],
    ['library.new', { event: 'library.new' }, everyone, { action: 'ignored_event', reason: /library\.new/ }],
    [
      'library.new carries no account: an event, not an account, is what is ignored',
      { event: 'library.new', Account: undefined, user: false, owner: true },
      { enabled: true, plexUsernames: ['alice'] },
      { action: 'ignored_event', reason: /library\.new/ },
    ],
    [
      'library.on.deck',
      { event: 'library.on.deck' },
      everyone,
      { action: 'ignored_event', reason: /library\.on\.deck/ },
    ],
    [
      'playback.started',
      { event: 'playback.started' },
      everyone,
      { action: 'ignored_event', reason: /playback\.started/ },
    ],
    [
      'admin.database.backup',
      { event: 'admin.database.backup', Metadata: null, Account: null },
      everyone,
      { action: 'ignored_event', reason: /admin\.database\.backup/ },
    ],
    [
      'device.new',
      { event: 'device.new', Metadata: null },
      everyone,
      { action: 'ignored_event', reason: /device\.new/ },
    ],
    [
      'scrobble without Metadata',
      { Metadata: null },
      everyone,
      { action: 'ignored_event', reason: /without Metadata/ },
    ],
    [
      'trailer clip',
      { Metadata: { type: 'clip', subtype: 'trailer', librarySectionType: 'movie' } },
      everyone,
      { action: 'ignored_event', reason: /trailers/ },
    ],
    [
      'extra typed as a movie with subtype trailer',
      { Metadata: { type: 'movie', subtype: 'trailer' } },
      everyone,
      { action: 'ignored_event', reason: /trailers/ },
    ],
    [
      'behind-the-scenes extra',
      { Metadata: { type: 'movie', extraType: 5 } },
      everyone,
      { action: 'ignored_event', reason: /extras/ },
    ],
    ['plain clip', { Metadata: { type: 'clip' } }, everyone, { action: 'ignored_event', reason: /clips/ }],
    [
      'live TV by section type',
      { Metadata: { librarySectionType: 'livetv' } },
      everyone,
      { action: 'ignored_event', reason: /live TV/ },
    ],
    [
      'live TV by live flag',
      { Metadata: { live: 1 } },
      everyone,
      { action: 'ignored_event', reason: /live TV/ },
    ],
    [
      'live TV by key',
      { Metadata: { key: '/livetv/sessions/abc' } },
      everyone,
      { action: 'ignored_event', reason: /live TV/ },
    ],
    [
      'live: 0 is not live',
      { Metadata: { live: 0 } },
      everyone,
      { kind: 'process', action: 'scrobble', mediaType: 'episode' },
    ],
    [
      'live: "0" is not live',
      { Metadata: { live: '0' } },
      everyone,
      { kind: 'process', action: 'scrobble', mediaType: 'episode' },
    ],
    [
      'music track',
      { Metadata: { type: 'track', librarySectionType: 'artist' } },
      everyone,
      { action: 'ignored_event', reason: /music/ },
    ],
    [
      'photo',
      { Metadata: { type: 'photo', librarySectionType: 'photo' } },
      everyone,
      { action: 'ignored_event', reason: /photos/ },
    ],
    [
      'show item',
      { Metadata: { type: 'show' } },
      everyone,
      { action: 'ignored_event', reason: /media type show/ },
    ],
    [
      'season item',
      { Metadata: { type: 'season' } },
      everyone,
      { action: 'ignored_event', reason: /media type season/ },
    ],
  ];

  it.each(rows)('%s', (_name, overrides, config, expected) => {
    const result = classifyEvent(buildPlexPayload(overrides), config);
    if ('reason' in expected && expected.reason instanceof RegExp) {
      expect(result).toEqual({
        kind: 'ignore',
        action: expected.action,
        reason: expect.stringMatching(expected.reason),
      });
    } else {
      expect(result).toEqual(expected);
    }
  });
});
