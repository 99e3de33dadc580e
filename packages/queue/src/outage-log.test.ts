import { isConnectionError, OutageLog } from './outage-log';

function recorder() {
  const lines: { level: string; msg: string; o: Record<string, unknown> }[] = [];
  return {
    lines,
    logger: {
      error: (o: object, msg: string) => lines.push({ level: 'error', msg, o: o as Record<string, unknown> }),
      info: (o: object, msg: string) => lines.push({ level: 'info', msg, o: o as Record<string, unknown> }),
    },
  };
}
const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

test('an outage is one line, then one per interval with the count, then one when it is back', () => {
  const { lines, logger } = recorder();
  let now = 0;
  const log = new OutageLog(logger, 'redis', 30_000, () => now);
  // ioredis retries about every second; the queue and the worker report each one too.
  for (now = 0; now < 65_000; now += 1_000) {
    log.error(refused, { role: 'worker' });
    log.error(refused, { from: 'queue' });
  }
  expect(log.down).toBe(true);
  log.recovered();
  log.recovered();
  expect(lines.map((l) => l.msg)).toEqual([
    'redis unreachable: retrying, one line per 30 s until it is back',
    'redis still unreachable',
    'redis still unreachable',
    'redis reachable again',
  ]);
  expect(lines[1]?.o).toMatchObject({ downForMs: 30_000, errors: 60 });
  expect(lines[3]?.o).toMatchObject({ downForMs: 65_000, errors: 130 });
  expect(log.down).toBe(false);
  // The next outage starts with its own first line.
  log.error(refused);
  expect(lines).toHaveLength(5);
  expect(lines[4]?.msg).toMatch(/^redis unreachable/);
});

test('errors that are not about reaching the server are logged as they are', () => {
  const { lines, logger } = recorder();
  const other: string[] = [];
  const log = new OutageLog(logger, 'redis');
  log.handle(new Error('ERR unknown command'), (e) => other.push(e.message));
  log.handle(refused, (e) => other.push(e.message));
  expect(other).toEqual(['ERR unknown command']);
  expect(lines).toHaveLength(1);
});

test('isConnectionError', () => {
  expect(isConnectionError(refused)).toBe(true);
  expect(isConnectionError(new Error('connect ETIMEDOUT'))).toBe(true);
  expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
  expect(isConnectionError(new Error('OOM command not allowed when used memory > maxmemory'))).toBe(false);
  expect(isConnectionError(new Error('NOSCRIPT'))).toBe(false);
  expect(isConnectionError(null)).toBe(false);
});
