import { Prisma } from '@plexhook/db';
import type { WorkerDeps } from '../deps';
import type { Outcome } from './outcome';

/** What a conflict row needs besides its resolution; shows and movies alike. */
export type ConflictDraft = Omit<Prisma.PlexConflictUncheckedCreateInput, 'potentialMatches'> & {
  potentialMatches: unknown[];
};

/** A scrobble of an item whose conflict is still open is held on it, for replay on resolution. */
export async function holdOnOpenConflict(
  deps: WorkerDeps,
  userId: number,
  ratingKey: string,
): Promise<Outcome | null> {
  const open = await deps.db.plexConflict.findFirst({
    where: { userId, plexRatingKey: ratingKey, resolved: false },
    select: { id: true },
  });
  return open ? heldOn(open.id) : null;
}

export const heldOn = (conflictId: number): Outcome => ({
  status: 'success',
  action: 'conflict_pending',
  conflictId,
  message: `held on unresolved conflict ${conflictId}; replayed when it is resolved`,
});

/** The log outcome of a webhook that opened a conflict, or joined one opened concurrently. */
export function conflictOutcome(c: { conflictId: number; created: boolean }, what: string): Outcome {
  if (!c.created) return heldOn(c.conflictId);
  return {
    status: 'success',
    action: 'conflict_created',
    conflictId: c.conflictId,
    message: `no unambiguous match for ${what}: conflict ${c.conflictId} opened`,
  };
}

/** Opens the conflict, or joins the one another worker opened a moment ago. */
export async function openConflict(
  deps: WorkerDeps,
  draft: ConflictDraft,
): Promise<{ conflictId: number; created: boolean }> {
  const data = { ...draft, potentialMatches: draft.potentialMatches as Prisma.InputJsonValue };
  try {
    const conflict = await deps.db.plexConflict.create({ data, select: { id: true } });
    return { conflictId: conflict.id, created: true };
  } catch (err) {
    // P2002 on the partial unique index (one open conflict per user and rating key).
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      const open = await deps.db.plexConflict.findFirst({
        where: { userId: draft.userId, plexRatingKey: draft.plexRatingKey, resolved: false },
        select: { id: true },
      });
      if (open) return { conflictId: open.id, created: false };
    }
    throw err;
  }
}

/** auto_resolve with decisive evidence: the conflict is recorded already resolved, for the audit trail. */
export async function recordAutoResolved(
  deps: WorkerDeps,
  draft: ConflictDraft,
  resolvedTo: { resolvedTvshowId: number } | { resolvedMovieId: number },
): Promise<number> {
  const conflict = await deps.db.plexConflict.create({
    data: {
      ...draft,
      potentialMatches: draft.potentialMatches as Prisma.InputJsonValue,
      ...resolvedTo,
      resolved: true,
      resolutionAction: 'auto_resolved',
      resolvedAt: new Date(),
    },
    select: { id: true },
  });
  return conflict.id;
}
