import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export type GracefulClose = {
  /** Stops accepting, answers what is in flight, and resolves once every connection is closed,
   * or after `timeoutMs` by closing the rest (`forced` then says how many were cut). */
  close(timeoutMs: number): Promise<{ forced: number }>;
};

/**
 * `server.close()` alone stops new connections but keeps serving requests that arrive on open
 * keep-alive connections, for as long as a client keeps sending: under steady load a SIGTERM
 * never finished. Once closing:
 * - the listener is closed (new connections are refused) and idle sockets are closed at once;
 * - every answer not yet started carries `Connection: close`, including requests that still
 *   arrive on a busy keep-alive socket (answered, then that socket closes);
 * - an answer that had already sent its headers finishes, then its socket, idle, is closed.
 * Call right after creating the server, before it serves anything.
 */
export function trackConnections(server: Server): GracefulClose {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const closeIdle = () => setImmediate(() => server.closeIdleConnections());

  // Prepended, so the header is set before the app can answer.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (closing) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (closing) closeIdle();
    });
  });

  return {
    async close(timeoutMs) {
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((done) => {
        timer = setTimeout(() => done('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([closed, timedOut]);
      clearTimeout(timer);
      if (outcome !== 'timeout') return { forced: 0 };
      const forced = inFlight.size;
      server.closeAllConnections();
      await closed;
      return { forced };
    },
  };
}
