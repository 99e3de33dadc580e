import { badRequest } from '@plexhook/core';
import type { z } from 'zod';

/** Parses input with a zod schema; a failure is a 400 naming the first issues and their paths. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const message = result.error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
  throw badRequest(message, result.error.issues);
}
