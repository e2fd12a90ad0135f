// A Lambda cold start, measured in a fresh Node process (bench/lambda.ts spawns one per function and run):
// `node bench/lambda-cold-start.mjs <index.mjs URL> <event JSON>` imports the bundled handler module as the runtime
// does at init, invokes it once with a real first event (which loads the lazy chunks and worker threads that event
// needs), and prints the times from process start (performance.now() counts from it), then exits as soon as the
// answer is in (a warm worker would keep the process alive, as it keeps a Lambda container warm).
const [entry = '', eventJson = '{}'] = process.argv.slice(2);
const { handler } = await import(entry);
const readyMs = performance.now();
let result;
let error = null;
try {
  result = await handler(JSON.parse(eventJson));
} catch (thrown) {
  error = thrown instanceof Error ? thrown.message : String(thrown);
}
const doneMs = performance.now();
process.stdout.write(`\nFAZHI_COLD_START ${JSON.stringify({ readyMs, doneMs, result: result ?? null, error })}\n`);
process.exit(0);
