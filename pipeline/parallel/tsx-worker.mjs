// Starts a worker thread whose module is TypeScript (a source run; a prebuilt bundle starts its .mjs worker directly).
// Node 20 does not give worker threads the module hooks the main thread registered (tsx's), Node ≥ 22.2 does; so the
// worker's module is imported as it is first, and only when Node cannot read .ts is tsx registered here and the module
// imported again (under another URL: a failed import is not retried under the same one).
import { workerData } from 'node:worker_threads';

const { entry } = workerData;
try {
  await import(entry);
} catch (error) {
  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  const { register } = await import('tsx/esm/api');
  register();
  await import(`${entry}?tsx`);
}
