// The dashboard app's entry point for code outside it (tests, tools): the factories that
// main.ts and cli.ts wire together. main.ts and cli.ts themselves are processes, not exported.
export { BULL_BOARD_PATH, createDashboardApp, type DashboardDeps } from './app';
export { type DashboardConfig, DashboardConfigSchema, loadDashboardConfig } from './config';
export { runCatalogImport } from './services/catalog-import';
export { DEMO_CATALOG_PATH, DEMO_USER_NAME } from './services/demo';
