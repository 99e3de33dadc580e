export * from './history-queue';
export * from './outage-log';
export * from './persistence';
export * from './redis';
export * from './redis-config';
export * from './retention-queue';
export * from './webhook-queue';
