import { randomBytes } from 'node:crypto';
import { createRedis, createWebhookQueue, type WebhookQueue } from '@plexhook/queue';
import type { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export type TestQueue = { prefix: string; redis: Redis; queue: WebhookQueue; cleanup(): Promise<void> };

/** A queue under a prefix of its own, so suites never see each other's jobs. */
export async function createTestQueue(label = 'suite'): Promise<TestQueue> {
  const prefix = `test-${label}-${randomBytes(4).toString('hex')}`;
  const redis = createRedis(TEST_REDIS_URL, 'worker');
  const queue = createWebhookQueue(redis, prefix);
  await queue.waitUntilReady();
  return {
    prefix,
    redis,
    queue,
    async cleanup() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      // Anything else left under the prefix (dedupe keys, spool markers).
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
