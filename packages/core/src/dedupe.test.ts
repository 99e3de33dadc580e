import { dedupeKey } from './dedupe';

const base = { userId: 1, event: 'media.scrobble', ratingKey: '1001', accountId: 1 };

describe('dedupeKey', () => {
  it('is stable, short and safe inside a Redis key', () => {
    const key = dedupeKey(base);
    expect(key).toBe(dedupeKey({ ...base }));
    expect(key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('treats a numeric and a string account id alike', () => {
    expect(dedupeKey({ ...base, accountId: '1' })).toBe(dedupeKey(base));
  });

  it.each([
    ['another user', { userId: 2 }],
    ['another event', { event: 'media.play' }],
    ['another item', { ratingKey: '1002' }],
    ['another account', { accountId: 2 }],
    ['no account', { accountId: undefined }],
    ['parts shifted across fields', { userId: 11, ratingKey: '001' }],
  ])('differs for %s', (_name, change) => {
    expect(dedupeKey({ ...base, ...change })).not.toBe(dedupeKey(base));
  });
});
