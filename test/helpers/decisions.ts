// What the table-driven decision tests of core compare: a match's entry, or a conflict's type,
// ranking and hint, by the kind's own id (tvshowId, movieId).
import type { Decision } from '@plexhook/core';

export type ExpectedDecision =
  | { match: number }
  | { conflict: string; ranked: number[]; decisive: number | null };

export function expectDecision<C>(
  decision: Decision<C>,
  expected: ExpectedDecision,
  idOf: (c: C) => number,
): void {
  if ('match' in expected) {
    expect(decision.kind).toBe('match');
    expect(decision.kind === 'match' && idOf(decision.candidate)).toBe(expected.match);
    return;
  }
  expect(
    decision.kind === 'conflict' && {
      conflict: decision.conflictType,
      ranked: decision.candidates.map(idOf),
      decisive: decision.decisive ? idOf(decision.decisive) : null,
    },
  ).toEqual(expected);
}
