import { redactPath } from './log-path';

const SECRET = 'q3Vx9_Jm2kL-8sTbYc4NwZ0aHfPeRgU7iOdElKjMnBv';

test.each([
  ['/api/plex/webhook', '/api/plex/webhook'],
  ['/api/plex/webhook/', '/api/plex/webhook/'],
  ['/healthz', '/healthz'],
  ['/', '/'],
  [`/api/plex/webhook%3Fsecret=${SECRET}`, '/api/plex/[redacted]'],
  [`/api/plex/webhook%3fsecret%3d${SECRET}`, '/api/plex/[redacted]'],
  [`/api/plex/webhook/${SECRET}`, '/api/plex/webhook/[redacted]'],
  [`/api/plex/webhook/${SECRET}/more`, '/api/plex/webhook/[redacted]'],
  [`/api/plex/webhook&secret=${SECRET}`, '/api/plex/[redacted]'],
  [`/api/plex/webhook;secret=${SECRET}`, '/api/plex/[redacted]'],
  [`/${SECRET}`, '/[redacted]'],
  ['/secret', '/[redacted]'],
  [`/a/b/c/d/${'x'.repeat(5)}`, '/a/b/c/d/[redacted]'],
  ['/wp-login.php', '/[redacted]'],
])('%s -> %s', (path, logged) => {
  expect(redactPath(path)).toBe(logged);
  expect(redactPath(path)).not.toContain(SECRET);
});
