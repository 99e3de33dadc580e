// Cross-site request refusal for every state-changing route. Basic-auth credentials cached by
// the browser (Bull Board) are sent with any request to our origin, including a foreign page's
// form or no-cors fetch; SameSite cookies and CSRF tokens only cover the web page. The check is
// the one Go's net/http CrossOriginProtection makes: the browser's Sec-Fetch-Site when it sends
// one, else the Origin against our own host; neither header means no browser (curl, scripts),
// which carries no ambient credentials and is let through.
import { HttpError } from '@plexhook/core';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Why a request is cross-site, or null when it is same-origin or not from a browser. */
export function crossSiteReason(req: Request): string | null {
  const site = req.get('sec-fetch-site');
  if (site !== undefined) {
    // "none": the person made the request (address bar, bookmark), no page did.
    return site === 'same-origin' || site === 'none' ? null : `Sec-Fetch-Site is ${site}`;
  }
  const origin = req.get('origin');
  if (origin === undefined) return null;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return 'the Origin header is not a URL';
  }
  // The Host header as sent, or X-Forwarded-Host from a trusted (loopback) proxy.
  return host !== '' && (host === req.get('host') || host === req.host)
    ? null
    : `Origin ${origin} is not this host`;
}

/** Refuses state-changing requests that another site made (403). */
export function refuseCrossSite(logger: Logger) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const reason = crossSiteReason(req);
    if (reason !== null) {
      logger.warn({ method: req.method, path: req.path, reason }, 'cross-site request refused');
      throw new HttpError(403, `cross-site request refused: ${reason}`);
    }
    next();
  };
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * A state-changing request with a body (or a declared type) must send it as JSON. A page on
 * another site can only send text/plain, a form or multipart without a CORS preflight, which we
 * never grant; bodiless requests (DELETE, rotate-secret, Bull Board's pause) stay as they are.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (SAFE_METHODS.has(req.method)) {
    next();
    return;
  }
  const type = req.get('content-type');
  const length = req.get('content-length');
  const hasBody = req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
  if ((hasBody || type !== undefined) && !(type !== undefined && JSON_TYPE.test(type))) {
    throw new HttpError(415, 'send the request body as application/json');
  }
  next();
}
