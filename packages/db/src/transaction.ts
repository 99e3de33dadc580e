import type { Db, Tx } from './client';

export type TransactionOptions = {
  /** How long the transaction may run (Prisma's default is 5 s). */
  timeout?: number;
  /** How long to wait for a connection to start it. */
  maxWait?: number;
};

/**
 * Runs `fn` in one interactive transaction: the repositories it calls get the transaction
 * client, so several statements commit or roll back together, and an error thrown inside
 * (a 404, a 409) rolls everything back. For a caller that decides between statements; a fixed
 * sequence belongs in one repository function instead.
 */
export function inTransaction<T>(
  db: Db,
  fn: (tx: Tx) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  return db.$transaction(fn, options);
}
