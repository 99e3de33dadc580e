import { buildPlexPayload } from '../../../test/helpers/plex-payload';
import { watchedAt } from './watched-at';

const receivedAt = new Date('2021-06-18T20:00:00Z');

describe('watchedAt', () => {
  it.each([
    ['lastViewedAt present', 1624000000, new Date(1624000000 * 1000)],
    ['lastViewedAt missing', undefined, receivedAt],
    ['lastViewedAt zero', 0, receivedAt],
    ['lastViewedAt before 2000', Date.UTC(1999, 11, 31) / 1000, receivedAt],
    ['lastViewedAt exactly 2000-01-01', Date.UTC(2000, 0, 1) / 1000, new Date(Date.UTC(2000, 0, 1))],
    [
      'lastViewedAt 23 h in the future (clock skew)',
      receivedAt.getTime() / 1000 + 23 * 3600,
      new Date(receivedAt.getTime() + 23 * 3600 * 1000),
    ],
    ['lastViewedAt 2 days in the future', receivedAt.getTime() / 1000 + 2 * 86400, receivedAt],
    ['lastViewedAt in milliseconds by mistake', 1624000000000, receivedAt],
  ])('%s', (_name, lastViewedAt, expected) => {
    const payload = buildPlexPayload({ Metadata: { lastViewedAt } });
    expect(watchedAt(payload, receivedAt)).toEqual(expected);
  });

  it('uses receivedAt for a payload without Metadata', () => {
    expect(watchedAt(buildPlexPayload({ Metadata: null }), receivedAt)).toEqual(receivedAt);
  });
});
