export * from './client';
export * from './generated/client';
export { diffMigrationsToSchema, dropDatabase, ensureDatabase, migrateDeploy } from './migrate/engine';
export { DEFAULT_PATHS, REPO_ROOT } from './migrate/paths';
export * from './repositories/secrets';
export * from './repositories/users';
