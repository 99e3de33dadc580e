import { tooLarge } from '@plexhook/core';
import type { NextFunction, Request, Response } from 'express';
import type { IngestConfig } from './config';

/** Multipart framing around the two parts Plex sends (boundaries, part headers). */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** The most body bytes a webhook may carry: the JSON payload, or in multipart the payload
 * field and the thumb together with their framing. */
export function bodyLimit(
  req: Request,
  config: Pick<IngestConfig, 'PAYLOAD_MAX_BYTES' | 'THUMB_MAX_BYTES'>,
): number {
  return req.is('multipart/form-data')
    ? config.PAYLOAD_MAX_BYTES + config.THUMB_MAX_BYTES + MULTIPART_OVERHEAD_BYTES
    : config.PAYLOAD_MAX_BYTES;
}

/**
 * A body declared larger than the limit is refused before one byte of it is read (before the
 * secret is even checked): 413 with `Connection: close` (the error middleware adds it for any
 * answer given while the body is unread, so the server closes the socket instead of reading
 * the rest to keep the connection alive).
 */
export function refuseDeclaredTooLarge(config: Pick<IngestConfig, 'PAYLOAD_MAX_BYTES' | 'THUMB_MAX_BYTES'>) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > bodyLimit(req, config)) {
      throw tooLarge('request body too large');
    }
    next();
  };
}

/**
 * Counts the body's bytes as the parser reads them and, past the limit, answers 413 at once and
 * closes the connection: multer and body-parser both read a refused body to its end before
 * they report (to avoid EPIPE on the client), which for a chunked upload has no end we choose.
 * Must run synchronously right before the parser: the `data` listener starts the stream, and
 * the parser has to be listening from the same tick on.
 */
export function enforceBodyBudget(config: Pick<IngestConfig, 'PAYLOAD_MAX_BYTES' | 'THUMB_MAX_BYTES'>) {
  return (req: Request, res: Response, next: NextFunction) => {
    const limit = bodyLimit(req, config);
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= limit) return;
      req.off('data', onData);
      res.locals.bodyCutOff = true;
      if (!res.headersSent) {
        res.setHeader('Connection', 'close');
        res.status(413).json({ error: 'request body too large' });
      }
      // The 413 first, then no more reading: the parser sees the request abort and gives up;
      // the error middleware finds the answer already sent.
      const destroy = () => req.socket.destroy();
      if (res.writableFinished) destroy();
      else res.once('finish', destroy);
    };
    req.on('data', onData);
    req.once('end', () => req.off('data', onData));
    next();
  };
}
