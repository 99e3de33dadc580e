// The ingest app's entry point for code outside it (tests, bench, reliability): the factories
// that main.ts wires together. main.ts itself is the process and is not exported.
export { createIngestApp, type IngestDeps } from './app';
export { type IngestConfig, IngestConfigSchema, loadIngestConfig } from './config';
export { createIngestMetrics, type IngestMetrics } from './metrics';
export { createSecretLookup, type SecretLookup, type SecretLookupOptions } from './secret-cache';
