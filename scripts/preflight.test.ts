import { checkRedis, describeMissing } from './preflight';

// Variables that cannot name a Redis are one line naming them, before any connection is tried.
test.each([
  [{ REDIS_SENTINELS: 'host:notaport' }, /REDIS_SENTINELS: "host:notaport" is not host:port/],
  [{ REDIS_CLUSTER_NODES: 'a:70000' }, /REDIS_CLUSTER_NODES: "a:70000": port out of range/],
  [{ REDIS_SENTINELS: 'a:1', REDIS_CLUSTER_NODES: 'b:2' }, /both set: choose one Redis topology/],
  [{ REDIS_WAIT_REPLICAS: 'many' }, /REDIS_WAIT_REPLICAS/],
])('preflight refuses %j with the reason', async (env, reason) => {
  const missing = await checkRedis(env);
  expect(missing?.hint).toBe('fix the Redis variables');
  expect(describeMissing(missing!)).toMatch(reason);
});
