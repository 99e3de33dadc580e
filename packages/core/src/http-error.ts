/** The few errors an HTTP edge answers with; one error middleware maps them to responses. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, details?: unknown) => new HttpError(400, message, details);
export const unauthorized = (message = 'unknown or missing secret') => new HttpError(401, message);
export const notFound = (message = 'not found') => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);
export const tooLarge = (message: string) => new HttpError(413, message);

// multer and body-parser errors carry a `code` or `type` we can map without importing them.
const MULTER_TOO_LARGE = new Set(['LIMIT_FILE_SIZE', 'LIMIT_FIELD_VALUE', 'LIMIT_FIELD_KEY']);
const MULTER_BAD = new Set([
  'LIMIT_PART_COUNT',
  'LIMIT_FILE_COUNT',
  'LIMIT_FIELD_COUNT',
  'LIMIT_UNEXPECTED_FILE',
  'MISSING_FIELD_NAME',
]);

/** Any thrown value to an HttpError: known client mistakes keep their 4xx, the rest is a 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = (err ?? {}) as {
    code?: string;
    type?: string;
    status?: number;
    message?: string;
    field?: string;
  };
  if (e.code && MULTER_TOO_LARGE.has(e.code)) {
    return tooLarge(`${e.message ?? 'too large'}${e.field ? ` (${e.field})` : ''}`);
  }
  if (e.code && MULTER_BAD.has(e.code)) {
    return badRequest(`${e.message ?? 'bad multipart body'}${e.field ? ` (${e.field})` : ''}`);
  }
  if (e.type === 'entity.too.large') return tooLarge('request body too large');
  if (e.type === 'entity.parse.failed') return badRequest('body is not valid JSON');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, e.message ?? 'bad request');
  }
  // busboy/multer report a truncated or malformed multipart stream as a plain Error.
  if (
    typeof e.message === 'string' &&
    /^(Unexpected end of form|Malformed part header|Multipart: )/.test(e.message)
  ) {
    return badRequest(`malformed multipart body: ${e.message}`);
  }
  return new HttpError(500, 'internal error');
}
