import { classifyWatchEvent } from './events';
import { jellyfinWatchEvent } from './jellyfin-event';
import { accountAllowed, accountAllowList, isServerUnmark } from './source-accounts';
import type { WatchEvent } from './watch-event';

const lists = { plexUsernames: ['plexer'], jellyfinUsernames: ['Alice'], embyUsernames: ['bob'] };
const event = (source: WatchEvent['source'], name?: string, id?: string) =>
  ({ source, account: { name, id }, ownAccount: false }) as const;

test('each source reads its own list', () => {
  expect(accountAllowList('plex', lists)).toEqual(['plexer']);
  expect(accountAllowList('jellyfin', lists)).toEqual(['Alice']);
  expect(accountAllowList('emby', lists)).toEqual(['bob']);
  expect(accountAllowList('emby', { plexUsernames: [] })).toEqual([]);
});

test.each([
  ['jellyfin', 'alice', undefined, true],
  ['jellyfin', 'bob', undefined, false],
  ['emby', 'BOB', undefined, true],
  ['emby', 'alice', undefined, false],
  ['plex', 'plexer', undefined, true],
] as const)('%s account %s allowed: %s', (source, name, id, allowed) => {
  expect(accountAllowed(event(source, name, id), lists)).toBe(allowed);
});

test('a Jellyfin user id pasted with dashes matches the dashless id of the webhook', () => {
  const withDashes = { plexUsernames: [], jellyfinUsernames: ['3E4F5A6B-7C8D-4E9F-A0B1-C2D3E4F5A6B7'] };
  const payload = {
    NotificationType: 'PlaybackStop',
    ItemType: 'Movie',
    ItemId: 'abc',
    Name: 'Heat',
    PlayedToCompletion: true,
    UserId: '3e4f5a6b7c8d4e9fa0b1c2d3e4f5a6b7',
    NotificationUsername: 'someone',
  };
  const e = jellyfinWatchEvent({ userId: 1, receivedAt: new Date(), payload });
  expect(accountAllowed(e, withDashes)).toBe(true);
  expect(classifyWatchEvent(e, { enabled: true, ...withDashes })).toMatchObject({ kind: 'process' });
  expect(
    classifyWatchEvent(e, { enabled: true, plexUsernames: [], jellyfinUsernames: ['other'] }),
  ).toMatchObject({
    kind: 'ignore',
    action: 'ignored_account',
    reason: 'Jellyfin account someone is not in the allow-list',
  });
});

test('unmarks: Jellyfin TogglePlayed unticked and Emby item.markunplayed of an episode or movie', () => {
  const base = { action: 'other', media: { kind: 'movie' } } as unknown as WatchEvent;
  expect(isServerUnmark({ ...base, source: 'jellyfin', sourceEvent: 'UserDataSaved:TogglePlayed' })).toBe(
    true,
  );
  expect(isServerUnmark({ ...base, source: 'emby', sourceEvent: 'item.markunplayed' })).toBe(true);
  expect(isServerUnmark({ ...base, source: 'emby', sourceEvent: 'library.new' })).toBe(false);
  expect(isServerUnmark({ ...base, source: 'plex', sourceEvent: 'item.markunplayed' })).toBe(false);
  expect(
    isServerUnmark({
      ...base,
      source: 'jellyfin',
      sourceEvent: 'UserDataSaved:TogglePlayed',
      action: 'scrobble',
    }),
  ).toBe(false);
  expect(
    isServerUnmark({
      ...base,
      source: 'emby',
      sourceEvent: 'item.markunplayed',
      media: { kind: 'unsupported', reason: 'x' },
    }),
  ).toBe(false);
});
