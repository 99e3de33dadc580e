export * from './dedupe';
export * from './events';
export * from './guid';
export * from './match';
export * from './plex-payload';
export * from './testing';
export * from './title';
export * from './watched-at';
