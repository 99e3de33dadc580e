import { z } from 'zod';
import { clusterQueuePrefix, hashTagPrefix, parseHostPorts, REDIS_ENV, redisTopology } from './redis-config';

const Schema = z.object({ ...REDIS_ENV, QUEUE_PREFIX: z.string().default('plexhook') });

test.each([
  [
    'a:1,b:2',
    [
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ],
  ],
  [
    ' a:1 , b ',
    [
      { host: 'a', port: 1 },
      { host: 'b', port: 26379 },
    ],
  ],
  ['[::1]:7000', [{ host: '::1', port: 7000 }]],
])('parseHostPorts(%j)', (list, expected) => {
  expect(parseHostPorts(list, 26379)).toEqual(expected);
});

test.each(['a:0', 'a:65536', 'a:b', 'a:1:2'])('parseHostPorts refuses %j', (list) => {
  expect(() => parseHostPorts(list, 6379)).toThrow();
});

test('the topology follows the variables; an empty variable is unset', () => {
  expect(redisTopology(Schema.parse({}))).toBe('standalone');
  expect(redisTopology(Schema.parse({ REDIS_SENTINELS: '', REDIS_CLUSTER_NODES: ' ' }))).toBe('standalone');
  const sentinel = Schema.parse({ REDIS_SENTINELS: 's1:26379,s2' });
  expect(redisTopology(sentinel)).toBe('sentinel');
  expect(sentinel.REDIS_SENTINEL_NAME).toBe('mymaster');
  expect(sentinel.REDIS_SENTINELS).toEqual([
    { host: 's1', port: 26379 },
    { host: 's2', port: 26379 },
  ]);
  expect(redisTopology(Schema.parse({ REDIS_CLUSTER_NODES: 'n1:7000' }))).toBe('cluster');
  expect(() => redisTopology(Schema.parse({ REDIS_SENTINELS: 's:1', REDIS_CLUSTER_NODES: 'n:2' }))).toThrow(
    /both set/,
  );
  expect(() => Schema.parse({ REDIS_SENTINELS: 'host:notaport' })).toThrow(/host:port/);
  expect(() => Schema.parse({ REDIS_WAIT_REPLICAS: '-1' })).toThrow();
});

test('cluster mode hash-tags the queue prefix once; other modes keep it', () => {
  expect(hashTagPrefix('plexhook')).toBe('{plexhook}');
  expect(hashTagPrefix('{plexhook}')).toBe('{plexhook}');
  expect(hashTagPrefix('a{b}c')).toBe('a{b}c');
  expect(clusterQueuePrefix(Schema.parse({ REDIS_CLUSTER_NODES: 'n:1' })).QUEUE_PREFIX).toBe('{plexhook}');
  expect(clusterQueuePrefix(Schema.parse({ REDIS_SENTINELS: 's:1' })).QUEUE_PREFIX).toBe('plexhook');
  expect(clusterQueuePrefix(Schema.parse({})).QUEUE_PREFIX).toBe('plexhook');
});
