/** A segment that cannot hold a secret: a short plain word (a generated secret is 43
 * characters of base64url) that does not mention one. */
const PLAIN_SEGMENT = /^[a-z][a-z0-9_-]{0,23}$/i;
const MAX_SEGMENTS = 4;

/**
 * The request path as it may be logged. A secret belongs in the query string, which is never
 * logged, but a mistyped URL puts it in the path: `/api/plex/webhook%3Fsecret=…`,
 * `/api/plex/webhook/<secret>`, `/api/plex/webhook&secret=…`. The leading plain-word segments
 * are kept (enough to see which route was meant); everything from the first other segment on
 * becomes `[redacted]`, whatever its encoding. Every route ingest serves is plain words, so its
 * own paths are logged as they are.
 */
export function redactPath(path: string): string {
  const segments = path.split('/');
  const kept: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const plain =
      (segment === '' || PLAIN_SEGMENT.test(segment)) && !/secret/i.test(segment) && i <= MAX_SEGMENTS;
    if (!plain) {
      kept.push('[redacted]');
      break;
    }
    kept.push(segment);
  }
  return kept.join('/');
}
