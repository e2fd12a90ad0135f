// The worker thread of functions/shared/isolated.ts: runs one parse or score task at a time for its host, which
// terminates it when a task passes its time budget. Bundled as its own entry (isolated-worker.mjs) beside the Lambda's
// index.mjs; run from source through tsx by the local stack, the tests and the CLI.
import { parentPort } from 'node:worker_threads';
import { DocumentRejectedError } from '../../pipeline/failure.ts';
import { parseReport } from '../../pipeline/parse.ts';
import { scoreReport } from '../../pipeline/score/index.ts';
import type { LoadedRubric } from '../../pipeline/score/rubric.ts';
import type { RubricOnWire, TaskReply, TaskRequest } from './isolated.ts';

if (!parentPort) throw new Error('isolated-worker.ts runs as a worker thread (see functions/shared/isolated.ts)');
const port = parentPort;

/** The rubrics this worker was sent, by their number (a handful per process: the bundled ones). */
const rubrics = new Map<number, LoadedRubric>();

function rubricOf(wire: RubricOnWire): LoadedRubric {
  if (wire.rubric) rubrics.set(wire.ref, wire.rubric);
  const rubric = rubrics.get(wire.ref);
  if (!rubric) throw new Error(`rubric ${wire.ref} was never sent to this worker`);
  return rubric;
}

async function run(request: TaskRequest): Promise<unknown> {
  const { task } = request;
  switch (task.kind) {
    case 'parse':
      return parseReport(task.file, task.metrics);
    case 'score':
      return scoreReport(task.report, rubricOf(task.rubric), task.previous ? { previous: task.previous } : {});
  }
}

port.on('message', (request: TaskRequest) => {
  void run(request).then(
    (result): void => port.postMessage({ id: request.id, result } satisfies TaskReply),
    (error: unknown): void => {
      const reply: TaskReply =
        error instanceof DocumentRejectedError
          ? { id: request.id, rejected: { code: error.code, reason: error.reason, reasonEn: error.reasonEn } }
          : {
              id: request.id,
              error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error), stack: (error as Error).stack ?? '' },
            };
      port.postMessage(reply);
    },
  );
});

port.postMessage({ ready: true } satisfies TaskReply);
