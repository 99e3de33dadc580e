import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

/** A debug-level pino logger whose lines collect in `text` (clear it with `clear()` per test). */
export function captureLogs(): { logger: Logger; readonly text: string; clear(): void } {
  let text = '';
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, done) {
        text += chunk.toString();
        done();
      },
    }),
  );
  return {
    logger,
    get text() {
      return text;
    },
    clear() {
      text = '';
    },
  };
}
