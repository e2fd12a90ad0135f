// Starts a worker thread whose module is TypeScript (a source run; a prebuilt bundle starts its .mjs worker directly).
// Three cases, by what Node does with a .ts file in a worker:
// - Node 20 cannot read .ts at all, and does not give worker threads the module hooks the main thread registered
//   (tsx's): the import fails with ERR_UNKNOWN_FILE_EXTENSION, and tsx is registered here and the module imported
//   again (under another URL: a failed import is not retried under the same one).
// - Node ≥ 22.18 and ≥ 23.6 strip types themselves (process.features.typescript) but refuse syntax tsx compiles, such
//   as parameter properties (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX), and a module they did load would be loaded otherwise
//   than in the main thread: tsx is registered before anything is imported.
// - On a Node that neither strips types nor withholds the main thread's hooks from workers (not seen here), the first
//   import goes through those hooks.
import { workerData } from 'node:worker_threads';

const { entry } = workerData;
const registerTsx = async () => {
  const { register } = await import('tsx/esm/api');
  register();
};
if (process.features.typescript) {
  await registerTsx();
  await import(entry);
} else {
  try {
    await import(entry);
  } catch (error) {
    if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    await registerTsx();
    await import(`${entry}?tsx`);
  }
}
