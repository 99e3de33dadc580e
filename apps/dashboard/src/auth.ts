import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpError } from '@plexhook/core';
import type { NextFunction, Request, Response } from 'express';

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
 * Admin auth. The API takes `Authorization: Bearer TOKEN`; Bull Board (`browser: true`) also
 * takes basic auth with any user name, and asks the browser for it on 401.
 */
export function requireAdmin(token: string, options: { browser?: boolean } = {}) {
  const browser = options.browser ?? false;
  return (req: Request, res: Response, next: NextFunction) => {
    const given = readToken(req.headers.authorization, browser);
    if (given !== null && tokenMatches(given, token)) {
      next();
      return;
    }
    res.setHeader(
      'WWW-Authenticate',
      browser ? 'Basic realm="plexhook admin", charset="UTF-8"' : 'Bearer realm="plexhook admin"',
    );
    throw new HttpError(401, given === null ? 'missing admin token' : 'invalid admin token');
  };
}
