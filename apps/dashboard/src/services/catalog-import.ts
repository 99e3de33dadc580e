import { badRequest } from '@plexhook/core';
import {
  type Catalog,
  CatalogSchema,
  type Db,
  type ImportReport,
  importCatalog,
  inTransaction,
} from '@plexhook/db';
import { parseInput } from '../validation';

// Big catalogues take a while; Prisma's default interactive-transaction timeout is 5 s.
const IMPORT_TIMEOUT_MS = 10 * 60_000;

export function parseCatalog(input: unknown): Catalog {
  return parseInput(CatalogSchema, input);
}

/** Validates and imports a catalogue, all or nothing. Shared by the API and the CLI. */
export async function runCatalogImport(db: Db, input: unknown): Promise<ImportReport> {
  const catalog = parseCatalog(input);
  try {
    return await inTransaction(db, (tx) => importCatalog(tx, catalog), {
      timeout: IMPORT_TIMEOUT_MS,
      maxWait: 10_000,
    });
  } catch (err) {
    // Two catalogue entries claiming the same external id for different shows.
    if ((err as { code?: string }).code === 'P2002') {
      throw badRequest(
        `catalogue contradicts itself or the database: ${(err as Error).message.split('\n').pop()}`,
      );
    }
    throw err;
  }
}
