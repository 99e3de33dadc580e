import { enqueueWebhook, type RedisClient, type WebhookQueue } from '@plexhook/queue';
import type { Logger } from 'pino';
import type { Spool } from './spool';

/** Moves spooled webhooks into the queue whenever Redis is back. Returns a stop function. */
export function startSpoolDrainer(
  deps: { spool: Spool; queue: WebhookQueue; redis: RedisClient; logger: Logger },
  intervalMs = 1_000,
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running || deps.spool.size === 0 || deps.redis.status !== 'ready') return;
    running = deps.spool
      .drain((entry) => enqueueWebhook(deps.queue, entry.jobId, entry.job))
      .then((n) => {
        if (n > 0) deps.logger.info({ drained: n }, 'spooled webhooks moved to the queue');
      })
      .catch((err: unknown) => {
        deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'spool drain paused');
      })
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  deps.redis.on('ready', tick);
  tick();
  return async () => {
    clearInterval(timer);
    deps.redis.off('ready', tick);
    await running;
  };
}
