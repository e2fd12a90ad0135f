import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The local queues' messages on disk, so that a `fazhi local` killed mid-run (SIGKILL, a crash, a closed terminal)
 * loses no queued work: every send, completion and dead letter is appended to one JSON line per event before the
 * queue acts on it (a synchronous write(2) on a descriptor kept open: once it returns, the line is in the OS's hands
 * even if this process dies right after). Opening a journal replays it: messages sent and not done are queued again,
 * dead letters stay dead letters.
 */

export type JournalEntry =
  | { op: 'send'; id: string; body: string; sentAt: number }
  | { op: 'done'; id: string }
  | { op: 'dead'; id: string; receiveCount: number; lastError?: string }
  | { op: 'drop'; id: string };

export interface JournalState {
  /** Sent and not yet handled, in the order they were sent. */
  pending: { id: string; body: string; sentAt: number }[];
  dead: { id: string; body: string; sentAt: number; receiveCount: number; lastError?: string }[];
}

export function replay(entries: readonly JournalEntry[]): JournalState {
  const sent = new Map<string, { id: string; body: string; sentAt: number }>();
  const dead = new Map<string, JournalState['dead'][number]>();
  for (const entry of entries) {
    if (entry.op === 'send') sent.set(entry.id, { id: entry.id, body: entry.body, sentAt: entry.sentAt });
    else if (entry.op === 'done') sent.delete(entry.id);
    else if (entry.op === 'dead') {
      const message = sent.get(entry.id);
      sent.delete(entry.id);
      if (message) dead.set(entry.id, { ...message, receiveCount: entry.receiveCount, ...(entry.lastError ? { lastError: entry.lastError } : {}) });
    } else dead.delete(entry.id);
  }
  return { pending: [...sent.values()], dead: [...dead.values()] };
}

export class QueueJournal {
  /** What the file held when opened (already compacted on disk). */
  readonly restored: JournalState;
  /** The open file (append mode), or null until the first append after opening or closing. */
  private fd: number | null = null;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    const entries: JournalEntry[] = [];
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          entries.push(JSON.parse(line) as JournalEntry);
        } catch {
          // The last line of a journal cut off mid-write: that event never completed.
        }
      }
    }
    this.restored = replay(entries);
    // Compact: the state as it is now, written beside and renamed over the old file (atomic on one file system).
    const compacted: JournalEntry[] = [
      ...this.restored.pending.map((m): JournalEntry => ({ op: 'send', ...m })),
      ...this.restored.dead.flatMap((m): JournalEntry[] => [
        { op: 'send', id: m.id, body: m.body, sentAt: m.sentAt },
        { op: 'dead', id: m.id, receiveCount: m.receiveCount, ...(m.lastError ? { lastError: m.lastError } : {}) },
      ]),
    ];
    writeFileSync(`${path}.tmp`, compacted.map((e) => `${JSON.stringify(e)}\n`).join(''));
    renameSync(`${path}.tmp`, path);
  }

  append(entry: JournalEntry): void {
    // Opening, writing and closing per line (appendFileSync) cost three system calls per queue event; one suffices.
    this.fd ??= openSync(this.path, 'a');
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    for (let written = 0; written < line.length;) written += writeSync(this.fd, line, written);
  }

  /** Closes the file; a later append opens it again (a delivery still finishing after its queue closed). */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
