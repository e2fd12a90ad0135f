import { ObjectNotFoundError } from '../../functions/aws/object-store.ts';

/** What `read` returns, or null when the object is not there (a 404 is an answer here; any other error is not). */
export async function unlessMissing<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return null;
    throw error;
  }
}
