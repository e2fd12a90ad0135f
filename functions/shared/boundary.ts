import type { z } from 'zod';
import { VisibleError } from '../../pipeline/failure.ts';
import { describeIssues } from '../../pipeline/score/rubric.ts';

/**
 * zod at the edges: everything read from outside (an event, an S3 object, a DynamoDB item, the environment) is parsed
 * before use, and a mismatch names what was read and the path of what is wrong.
 */
export class BoundaryError extends VisibleError {
  override readonly name = 'BoundaryError';
  constructor(message: string) {
    super(message, { exitCode: 1 });
  }
}

export function parseAt<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new BoundaryError(`${what} is not valid: ${describeIssues(result.error).join('; ')}`);
  return result.data;
}
