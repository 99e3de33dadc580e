export * from './redis';
export * from './webhook-queue';
