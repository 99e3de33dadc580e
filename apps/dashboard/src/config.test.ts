import { DashboardConfigSchema } from './config';

test('defaults from ARCHITECTURE.md', () => {
  const config = DashboardConfigSchema.parse({ ADMIN_TOKEN: 'a'.repeat(32) });
  expect(config).toMatchObject({
    DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/plexhook',
    REDIS_URL: 'redis://127.0.0.1:6379',
    DASHBOARD_PORT: 3001,
    PUBLIC_WEBHOOK_URL: 'http://localhost:3000',
    QUEUE_PREFIX: 'plexhook',
    LOG_LEVEL: 'info',
    ADMIN_TOKEN: 'a'.repeat(32),
    ADMIN_TOKEN_GENERATED: false,
    DASHBOARD_AUTH_FAILURES_PER_MINUTE: 10,
    PLAYBACK_STALE_GRACE_SECONDS: 300,
  });
  expect(
    DashboardConfigSchema.parse({ ADMIN_TOKEN: 'a'.repeat(32), PLAYBACK_STALE_GRACE_SECONDS: '60' })
      .PLAYBACK_STALE_GRACE_SECONDS,
  ).toBe(60);
  expect(
    DashboardConfigSchema.parse({ ADMIN_TOKEN: 'a'.repeat(32), DASHBOARD_AUTH_FAILURES_PER_MINUTE: '25' })
      .DASHBOARD_AUTH_FAILURES_PER_MINUTE,
  ).toBe(25);
});

test('production refuses to start without ADMIN_TOKEN', () => {
  expect(() => DashboardConfigSchema.parse({ NODE_ENV: 'production' })).toThrow(/ADMIN_TOKEN is required/);
  expect(
    DashboardConfigSchema.parse({ NODE_ENV: 'production', ADMIN_TOKEN: 'x'.repeat(16) }).ADMIN_TOKEN,
  ).toBe('x'.repeat(16));
});

test('development generates a random token per start', () => {
  const a = DashboardConfigSchema.parse({});
  const b = DashboardConfigSchema.parse({ NODE_ENV: 'development' });
  expect(a.ADMIN_TOKEN_GENERATED).toBe(true);
  expect(a.ADMIN_TOKEN.length).toBeGreaterThanOrEqual(32);
  expect(a.ADMIN_TOKEN).not.toBe(b.ADMIN_TOKEN);
});

test.each([
  [{ ADMIN_TOKEN: 'short' }, /at least 16/],
  [{ DASHBOARD_PORT: '70000' }, /DASHBOARD_PORT/],
  [{ PUBLIC_WEBHOOK_URL: 'not a url' }, /PUBLIC_WEBHOOK_URL/],
  [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  [{ DASHBOARD_AUTH_FAILURES_PER_MINUTE: '0' }, /DASHBOARD_AUTH_FAILURES_PER_MINUTE/],
])('rejects %j', (env, message) => {
  expect(() => DashboardConfigSchema.parse(env)).toThrow(message);
});
