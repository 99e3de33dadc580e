import { badRequest } from '@plexhook/core';
import { z } from 'zod';

/** PostgreSQL's int4: every id, season, episode, year and external id column is one. */
export const INT4_MAX = 2_147_483_647;
const INT4_MIN = -2_147_483_648;

/** A JSON integer that fits int4, from `min` (ids start at 1, season and episode numbers at 0). */
export const int4 = (min = 1) =>
  z
    .number()
    .int()
    .min(min)
    .max(INT4_MAX, { error: `must be at most ${INT4_MAX}` });

/** The same integer from a query string, a path or a form field (a string). */
export const int4Param = (min = 1) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(INT4_MAX, { error: `must be at most ${INT4_MAX}` });

const NUL_MESSAGE = 'must not contain NUL characters';

/**
 * The first value in `input` that PostgreSQL cannot store, with its path: a string with a NUL
 * character (text cannot hold U+0000) or an integer outside int4 (every integer column is int4,
 * and a bigger one in a query fails inside the database as a 500). Checked on every input
 * before its schema, so schemas the dashboard does not own (the catalogue's, in @plexhook/db)
 * are covered too.
 */
export function unstorable(input: unknown, path: (string | number)[] = []): z.core.$ZodIssue | null {
  if (typeof input === 'string') {
    return input.includes('\u0000') ? { code: 'custom', path, message: NUL_MESSAGE, input } : null;
  }
  if (typeof input === 'number') {
    return Number.isInteger(input) && (input > INT4_MAX || input < INT4_MIN)
      ? { code: 'custom', path, message: `must be at most ${INT4_MAX}`, input }
      : null;
  }
  if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      const issue = unstorable(input[i], [...path, i]);
      if (issue) return issue;
    }
    return null;
  }
  if (typeof input === 'object' && input !== null) {
    for (const [key, value] of Object.entries(input)) {
      const keyIssue = key.includes('\u0000') ? unstorable(key, [...path, key]) : null;
      const issue = keyIssue ?? unstorable(value, [...path, key]);
      if (issue) return issue;
    }
  }
  return null;
}

const describeIssue = (issue: { path: PropertyKey[]; message: string }) =>
  issue.path.length ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message;

/**
 * Parses input with a zod schema; a failure is a 400 naming the first issues and their paths.
 * Input that PostgreSQL cannot store is refused first, whatever the schema says.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const unfit = unstorable(input);
  if (unfit) throw badRequest(describeIssue(unfit), [unfit]);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const message = result.error.issues.slice(0, 3).map(describeIssue).join('; ');
  throw badRequest(message, result.error.issues);
}
