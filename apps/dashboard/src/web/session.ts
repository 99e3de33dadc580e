// Browser sessions for the web page, without a session store: cookies are signed with a key
// derived from ADMIN_TOKEN, so rotating the token logs every browser out, a restart does not,
// and the token itself never leaves the login form.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, Request, Response } from 'express';

export const SESSION_COOKIE = 'plexhook_session';
export const LOGIN_COOKIE = 'plexhook_login';
export const FLASH_COOKIE = 'plexhook_flash';

export const SESSION_TTL_MS = 12 * 3600_000;
const LOGIN_FORM_TTL_MS = 30 * 60_000;
const FLASH_TTL_MS = 60_000;

export type Flash = { kind: 'ok' | 'error'; text: string };
export type WebSession = { sid: string; csrf: string; expiresAt: number };

const b64url = (buf: Buffer) => buf.toString('base64url');

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Only the `Cookie` header's name=value pairs; the first of a repeated name wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (!name || out.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      // A malformed cookie is ignored, as if absent.
    }
  }
  return out;
}

export type SessionManager = ReturnType<typeof createSessionManager>;

export function createSessionManager(adminToken: string, now: () => number = Date.now) {
  const key = createHmac('sha256', adminToken).update('plexhook dashboard session v1').digest();
  const mac = (value: string) => b64url(createHmac('sha256', key).update(value).digest());
  const sign = (value: string) => `${value}.${mac(value)}`;
  const unsign = (signed: string | undefined): string | null => {
    if (!signed) return null;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return null;
    const value = signed.slice(0, dot);
    return safeEqual(signed.slice(dot + 1), mac(value)) ? value : null;
  };
  // Logged-out sessions until they would have expired anyway (one process: a restart forgets
  // them, which is why sessions are short).
  const revoked = new Map<string, number>();

  const cookieOptions = (req: Request, maxAge: number): CookieOptions => ({
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: '/',
    maxAge,
  });

  function readSession(req: Request): WebSession | null {
    const value = unsign(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
    if (!value) return null;
    const [sid, exp] = value.split('.');
    const expiresAt = Number(exp);
    if (!sid || !Number.isSafeInteger(expiresAt) || expiresAt <= now() || revoked.has(sid)) return null;
    return { sid, csrf: mac(`csrf.${sid}`), expiresAt };
  }

  function startSession(req: Request, res: Response): WebSession {
    const sid = b64url(randomBytes(18));
    const expiresAt = now() + SESSION_TTL_MS;
    res.cookie(SESSION_COOKIE, sign(`${sid}.${expiresAt}`), cookieOptions(req, SESSION_TTL_MS));
    return { sid, csrf: mac(`csrf.${sid}`), expiresAt };
  }

  function endSession(req: Request, res: Response, session: WebSession | null): void {
    if (session) revoked.set(session.sid, session.expiresAt);
    for (const [sid, exp] of revoked) if (exp <= now()) revoked.delete(sid);
    const { maxAge: _, ...options } = cookieOptions(req, 0);
    res.clearCookie(SESSION_COOKIE, options);
  }

  /** The login form has no session yet: its CSRF token is bound to a short-lived nonce cookie. */
  function loginCsrf(req: Request, res: Response): string {
    let nonce = unsign(parseCookies(req.headers.cookie).get(LOGIN_COOKIE));
    if (!nonce) {
      nonce = b64url(randomBytes(18));
      res.cookie(LOGIN_COOKIE, sign(nonce), cookieOptions(req, LOGIN_FORM_TTL_MS));
    }
    return mac(`login.${nonce}`);
  }

  function checkLoginCsrf(req: Request, given: unknown): boolean {
    const nonce = unsign(parseCookies(req.headers.cookie).get(LOGIN_COOKIE));
    return nonce !== null && typeof given === 'string' && safeEqual(given, mac(`login.${nonce}`));
  }

  function checkCsrf(session: WebSession, given: unknown): boolean {
    return typeof given === 'string' && safeEqual(given, session.csrf);
  }

  function setFlash(req: Request, res: Response, flash: Flash): void {
    const value = b64url(Buffer.from(JSON.stringify(flash)));
    res.cookie(FLASH_COOKIE, sign(value), cookieOptions(req, FLASH_TTL_MS));
  }

  /** Reads and clears the flash (shown once, after the redirect). */
  function takeFlash(req: Request, res: Response): Flash | null {
    const raw = parseCookies(req.headers.cookie).get(FLASH_COOKIE);
    if (raw === undefined) return null;
    const { maxAge: _, ...options } = cookieOptions(req, 0);
    res.clearCookie(FLASH_COOKIE, options);
    const value = unsign(raw);
    if (!value) return null;
    try {
      const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Flash;
      return (parsed.kind === 'ok' || parsed.kind === 'error') && typeof parsed.text === 'string'
        ? parsed
        : null;
    } catch {
      return null;
    }
  }

  return {
    readSession,
    startSession,
    endSession,
    loginCsrf,
    checkLoginCsrf,
    checkCsrf,
    setFlash,
    takeFlash,
    clearLoginCookie(req: Request, res: Response) {
      const { maxAge: _, ...options } = cookieOptions(req, 0);
      res.clearCookie(LOGIN_COOKIE, options);
    },
  };
}
