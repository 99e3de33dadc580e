// Conflicts as handling sees them, in one place: a scrobble of an item with an open conflict is
// held on it; a webhook that opens one (or joins one opened concurrently) is held on it too; and
// holding races with resolving, settled here when the held row is written.
import type { LogWrite } from '@plexhook/db';
import type { WorkerDeps } from '../deps';
import type { Outcome } from './outcome';

/** Handles the webhook again on the mapping a resolution made (never held a second time). */
export type IfResolved = () => Promise<Outcome>;

export const heldOn = (conflictId: number, ifResolved: IfResolved): Outcome => ({
  status: 'success',
  action: 'conflict_pending',
  conflictId,
  message: `held on unresolved conflict ${conflictId}; replayed when it is resolved`,
  ifResolved,
});

/** The log outcome of a webhook that opened a conflict, or joined one opened concurrently. */
export function conflictOutcome(
  c: { conflictId: number; created: boolean },
  what: string,
  ifResolved: IfResolved,
): Outcome {
  if (!c.created) return heldOn(c.conflictId, ifResolved);
  return {
    status: 'success',
    action: 'conflict_created',
    conflictId: c.conflictId,
    message: `no unambiguous match for ${what}: conflict ${c.conflictId} opened`,
    ifResolved,
  };
}

/**
 * Writes a row held on a conflict. Resolving a conflict replays the rows held on it at its
 * commit, so a row written after that commit would never be replayed: the write takes FOR SHARE
 * on the conflict (it waits for a resolving transaction) and happens only while the conflict is
 * open. If it was resolved meanwhile, the webhook is handled on the resolution's mapping instead
 * (ifResolved) and that outcome is written. Returns the row's id (null: logged already) and the
 * outcome it records.
 */
export async function recordHeld(
  deps: Pick<WorkerDeps, 'store'>,
  write: LogWrite,
  ifResolved: IfResolved,
): Promise<{ id: number | null; outcome: Outcome }> {
  const held = await deps.store.writeHeldLog(write);
  if (held !== 'resolved') return { id: held, outcome: write.outcome };
  const outcome = await ifResolved();
  return { id: await deps.store.writeLog({ ...write, outcome }), outcome };
}
