import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from '@plexhook/core';
import type { NextFunction, Request, Response } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant time whatever the lengths: timingSafeEqual needs equal lengths, digests have them. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token from `Bearer TOKEN`, or with `allowBasic` the password of `Basic base64(user:TOKEN)`. */
export function readToken(header: string | undefined, allowBasic: boolean): string | null {
  if (!header) return null;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return null;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (allowBasic && scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? null : decoded.slice(colon + 1);
  }
  return null;
}

/**
 * Failed authentications per client address (POST /login, bearer on /api, basic auth on Bull
 * Board share one count), so the admin token cannot be guessed. Only failures are counted, and
 * a correct token is always accepted, even from an address that is locked out: an operator
 * behind the same NAT as a guesser keeps their access (the rule ingest applies to secrets).
 */
export type AuthFailures = {
  /** Seconds until this address may try again, or null when it may now. */
  lockedFor(req: Request): Promise<number | null>;
  record(req: Request): Promise<void>;
};

export function createAuthFailures(perMinute: number): AuthFailures {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: 60 });
  const client = (req: Request) => req.ip ?? 'unknown';
  return {
    async lockedFor(req) {
      const spent = await limiter.get(client(req));
      return spent && spent.consumedPoints >= perMinute
        ? Math.max(1, Math.ceil(spent.msBeforeNext / 1000))
        : null;
    },
    async record(req) {
      // consume() rejects once the points are spent; lockedFor() refuses from then on.
      await limiter.consume(client(req)).catch(() => undefined);
    },
  };
}

export const TOO_MANY_FAILURES = 'too many failed authentications from this address, try again later';

/**
 * Admin auth. The API takes `Authorization: Bearer TOKEN`; Bull Board (`browser: true`) also
 * takes basic auth with any user name, and asks the browser for it on 401, and (`session`) the
 * web page's login session, so a person logged in to the page is not asked again. A missing
 * token is a 401 that is not counted (a browser asks without credentials first); a wrong one
 * counts, and past the limit the answer is 429 with Retry-After.
 */
export function requireAdmin(
  token: string,
  failures: AuthFailures,
  options: { browser?: boolean; session?: (req: Request) => boolean } = {},
) {
  const browser = options.browser ?? false;
  return async (req: Request, res: Response, next: NextFunction) => {
    // The session cookie is SameSite=Strict and every mutating request passes the cross-site
    // check first (app.ts), so a foreign page cannot ride on it.
    if (options.session?.(req)) {
      next();
      return;
    }
    const given = readToken(req.headers.authorization, browser);
    if (given !== null && tokenMatches(given, token)) {
      next();
      return;
    }
    if (given !== null) {
      const wait = await failures.lockedFor(req);
      if (wait !== null) {
        res.setHeader('Retry-After', String(wait));
        throw new HttpError(429, TOO_MANY_FAILURES);
      }
      await failures.record(req);
    }
    res.setHeader(
      'WWW-Authenticate',
      browser ? 'Basic realm="plexhook admin", charset="UTF-8"' : 'Bearer realm="plexhook admin"',
    );
    throw new HttpError(401, given === null ? 'missing admin token' : 'invalid admin token');
  };
}
