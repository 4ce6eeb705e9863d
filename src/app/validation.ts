import type { z } from 'zod';
import { type ErrorDetail, ValidationError } from '../core/errors.js';

/** zod issues as `{ field, message }`, the shape every 400 answer carries. */
export const issuesToDetails = (issues: z.core.$ZodIssue[], prefix = ''): ErrorDetail[] =>
  issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return {
        field: path || '(body)',
        message: `unknown field(s): ${issue.keys.join(', ')}`,
      };
    }
    return { field: path || '(body)', message: issue.message };
  });

/** Parses `input` or throws a `ValidationError` naming each bad field. */
export const parseOrThrow = <S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  prefix = '',
): z.output<S> => {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = issuesToDetails(result.error.issues, prefix);
  const summary = details.map((d) => `${d.field}: ${d.message}`).join('; ');
  throw new ValidationError(`Invalid ${what}: ${summary}`, { details });
};
