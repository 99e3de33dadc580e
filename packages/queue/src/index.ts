export * from './persistence';
export * from './redis';
export * from './webhook-queue';
