import type { Request, Response } from 'express';
import { BULL_BOARD_PATH } from '../app';
import { axisMax, hourlyChart } from './chart';
import type { HourlyBucket } from './hourly-stats';
import { escapeHtml, html } from './html';
import { createSessionManager, parseCookies, SESSION_COOKIE, SESSION_TTL_MS } from './session';
import { BULL_BOARD_LINK } from './views';

describe('html', () => {
  test.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    [`"><img src=x onerror='x'>`, '&quot;&gt;&lt;img src=x onerror=&#39;x&#39;&gt;'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    ['&amp;', '&amp;amp;'],
  ])('escapes %s', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
    expect(html`<td title="${input}">${input}</td>`.value).toBe(`<td title="${expected}">${expected}</td>`);
  });

  test('nested templates pass through, arrays join, null/undefined/false render nothing', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul>0',
    );
  });
});

describe('chart', () => {
  test.each([
    [0, 1],
    [1, 1],
    [3, 5],
    [7, 10],
    [11, 20],
    [120, 200],
  ])('axisMax(%i) = %i', (max, expected) => expect(axisMax(max)).toBe(expected));

  test('one bar group per hour, stacked by status, with a tooltip', () => {
    const start = Date.UTC(2025, 0, 1, 10);
    const buckets: HourlyBucket[] = [0, 1, 2].map((i) => ({
      start: new Date(start + i * 3600_000),
      counts: { success: i, failed: i === 2 ? 1 : 0, ignored: 0, duplicate: 0 },
    }));
    const svg = hourlyChart(buckets).value;
    expect(svg.match(/<g>/g)).toHaveLength(3);
    expect(svg).toContain('<title>10:00–11:00 UTC: no webhooks</title>');
    expect(svg).toContain('<title>12:00–13:00 UTC: 2 success, 1 failed</title>');
    expect(svg).toContain('fill="#d32f2f"');
    expect(svg).not.toContain('<script');
  });
});

describe('session', () => {
  const TOKEN = 'unit-admin-token-0123456789';
  type Fake = { req: Request; res: Response; cookies: Map<string, string> };
  function fake(cookieHeader = '', secure = false): Fake {
    const cookies = new Map<string, string>();
    const res = {
      cookie: (name: string, value: string) => cookies.set(name, value),
      clearCookie: (name: string) => cookies.set(name, ''),
    } as unknown as Response;
    return { req: { headers: { cookie: cookieHeader }, secure } as Request, res, cookies };
  }

  test('a session cookie round-trips, never contains the token, and binds the CSRF token', () => {
    const sessions = createSessionManager(TOKEN);
    const a = fake();
    const started = sessions.startSession(a.req, a.res);
    const value = a.cookies.get(SESSION_COOKIE)!;
    expect(value).not.toContain(TOKEN);
    const read = sessions.readSession(fake(`${SESSION_COOKIE}=${value}`).req)!;
    expect(read.sid).toBe(started.sid);
    expect(sessions.checkCsrf(read, started.csrf)).toBe(true);
    expect(sessions.checkCsrf(read, `${started.csrf}x`)).toBe(false);
    expect(sessions.checkCsrf(read, undefined)).toBe(false);
  });

  test('a tampered, expired, revoked or other-token cookie is no session', () => {
    let now = 1_000_000;
    const sessions = createSessionManager(TOKEN, () => now);
    const a = fake();
    const session = sessions.startSession(a.req, a.res);
    const value = a.cookies.get(SESSION_COOKIE)!;
    const cookie = (v: string) => fake(`${SESSION_COOKIE}=${v}`).req;
    expect(sessions.readSession(cookie(value))).not.toBeNull();
    expect(sessions.readSession(cookie(value.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))))).toBeNull();
    expect(createSessionManager('another-admin-token-0123456').readSession(cookie(value))).toBeNull();
    now += SESSION_TTL_MS + 1;
    expect(sessions.readSession(cookie(value))).toBeNull();
    now -= SESSION_TTL_MS;
    sessions.endSession(cookie(value), a.res, session);
    expect(sessions.readSession(cookie(value))).toBeNull();
  });

  test('flash messages are signed and shown once', () => {
    const sessions = createSessionManager(TOKEN);
    const a = fake();
    sessions.setFlash(a.req, a.res, { kind: 'ok', text: 'Mapped <b>x</b>' });
    const value = a.cookies.get('plexhook_flash')!;
    const b = fake(`plexhook_flash=${value}`);
    expect(sessions.takeFlash(b.req, b.res)).toEqual({ kind: 'ok', text: 'Mapped <b>x</b>' });
    expect(b.cookies.get('plexhook_flash')).toBe('');
    const forged = Buffer.from(JSON.stringify({ kind: 'ok', text: 'forged' })).toString('base64url');
    expect(sessions.takeFlash(fake(`plexhook_flash=${forged}.AAAA`).req, b.res)).toBeNull();
  });

  test('parseCookies keeps the first of a repeated name and skips malformed values', () => {
    const cookies = parseCookies('a=1; b="2"; a=3; c=%E0%A4%A; d');
    expect([...cookies]).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });
});

test('the page links to Bull Board where app.ts mounts it', () => {
  expect(BULL_BOARD_LINK).toBe(BULL_BOARD_PATH);
});
