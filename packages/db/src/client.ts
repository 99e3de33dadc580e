import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';

export type Db = PrismaClient;
/** The client handed to a `$transaction(async (tx) => ...)` callback. */
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];
/** Either the root client or a transaction: repositories accept both. */
export type DbOrTx = Db | Tx;

export type PrismaClientOptions = {
  /** pg pool size; pg's default of 10 is kept unless the app knows better. */
  poolMax?: number;
  /** pg waits forever for a free connection by default; we would rather fail and retry. */
  connectionTimeoutMillis?: number;
};

export function createPrismaClient(url: string, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  return new PrismaClient({ adapter });
}
