import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VisibleError } from '../../pipeline/failure.ts';

/**
 * `<dataDir>/run.json` says a `fazhi local` is using the data directory. Found with a live process: another run owns
 * the directory (the servers' files cannot be shared). Found with a dead one: that run was interrupted (killed, a
 * crash, a closed terminal) and its unfinished work is still in the directory, to be recovered.
 */

export interface RunMarker {
  pid: number;
  startedAt: string;
}

export const markerPath = (dataDir: string): string => join(dataDir, 'run.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims the directory for this process; returns the marker of an interrupted earlier run, if there was one. */
export function claimDataDir(dataDir: string): RunMarker | null {
  const path = markerPath(dataDir);
  let previous: RunMarker | null = null;
  if (existsSync(path)) {
    try {
      previous = JSON.parse(readFileSync(path, 'utf8')) as RunMarker;
    } catch {
      previous = { pid: 0, startedAt: '?' };
    }
    if (previous.pid !== process.pid && previous.pid > 0 && alive(previous.pid)) {
      throw new VisibleError(
        `另一个 fazhi local（进程 ${previous.pid}，${previous.startedAt} 启动）正在使用 ${dataDir}/。请等它结束，或用 --data-dir 指定另一个目录。`,
        { exitCode: 2 },
      );
    }
  }
  writeFileSync(path, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() } satisfies RunMarker));
  return previous;
}

export function releaseDataDir(dataDir: string): void {
  rmSync(markerPath(dataDir), { force: true });
}
