import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export type GracefulClose = {
  /** Stops accepting, answers what is in flight, and resolves once every connection is closed,
   * or after `timeoutMs` by closing the rest (`forced` then says how many were cut). */
  close(timeoutMs: number): Promise<{ forced: number }>;
};

/** How long a keep-alive connection must have been idle before closing may cut it. */
const IDLE_GRACE_MS = 1_000;

/**
 * `server.close()` alone stops new connections but keeps serving requests that arrive on open
 * keep-alive connections, for as long as a client keeps sending: under steady load a SIGTERM
 * never finished. Once closing:
 * - the listener is closed (new connections are refused);
 * - every answer not yet started carries `Connection: close`, including requests that still
 *   arrive on a busy keep-alive socket (answered, then that socket closes);
 * - an answer that had already sent its headers finishes, then its socket, idle, is closed;
 * - a connection with no request in flight is closed once it has been idle for
 *   IDLE_GRACE_MS. Not at once: a client that just had an answer (sent before closing, so
 *   without `Connection: close`) may be writing its next request on that connection right now,
 *   and closing it would cut a webhook that was sent (under keep-alive load, 19 of 32
 *   connections were cut so when idle sockets were closed at once). Within the grace such a
 *   request arrives, is answered with `Connection: close`, and its connection closes.
 * Call right after creating the server, before it serves anything.
 */
export function trackConnections(server: Server, idleGraceMs = IDLE_GRACE_MS): GracefulClose {
  const inFlight = new Set<ServerResponse>();
  /** Every open connection: requests in flight on it, and when it last finished one. */
  const connections = new Map<Socket, { busy: number; idleSince: number }>();
  let closing = false;
  let sweep: NodeJS.Timeout | undefined;

  server.on('connection', (socket: Socket) => {
    connections.set(socket, { busy: 0, idleSince: Date.now() });
    socket.once('close', () => connections.delete(socket));
  });
  const closeIdle = () => {
    const now = Date.now();
    for (const [socket, c] of connections) {
      if (c.busy === 0 && now - c.idleSince >= idleGraceMs) socket.destroy();
    }
  };

  // Prepended, so the header is set before the app can answer.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closing) res.setHeader('Connection', 'close');
    inFlight.add(res);
    const c = connections.get(req.socket);
    if (c) c.busy++;
    res.once('close', () => {
      inFlight.delete(res);
      if (c) {
        c.busy--;
        c.idleSince = Date.now();
      }
    });
  });

  return {
    async close(timeoutMs) {
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      // net's close, not http's: http.Server.close() also closes every idle connection at once
      // (Node >= 19), which is the cut described above. The listener closes here; the callback
      // runs once the last connection has closed.
      const closed = new Promise<void>((done) => NetServer.prototype.close.call(server, () => done()));
      closeIdle();
      sweep = setInterval(closeIdle, Math.max(10, Math.min(100, idleGraceMs)));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((done) => {
        timer = setTimeout(() => done('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([closed, timedOut]);
      clearTimeout(timer);
      clearInterval(sweep);
      if (outcome !== 'timeout') return { forced: 0 };
      const forced = inFlight.size;
      server.closeAllConnections();
      for (const socket of connections.keys()) socket.destroy();
      await closed;
      return { forced };
    },
  };
}
