export * from './outage-log';
export * from './persistence';
export * from './redis';
export * from './webhook-queue';
