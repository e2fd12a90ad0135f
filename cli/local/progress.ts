/**
 * Progress of a local run: a bar redrawn in place on a terminal, plain lines otherwise (CI logs, pipes), one per file
 * as it finishes.
 */

export interface ProgressView {
  update(done: number, total: number, note: string): void;
  line(text: string): void;
  finish(): void;
}

export function progressView(stream: NodeJS.WriteStream | { isTTY?: boolean; write(text: string): unknown; columns?: number }, label: string): ProgressView {
  if (!stream.isTTY) {
    return { update: () => {}, line: (text) => void stream.write(`${text}\n`), finish: () => {} };
  }
  let last = '';
  const width = 28;
  const draw = (text: string) => {
    stream.write(`\r\x1b[2K${text}`);
    last = text;
  };
  return {
    update: (done, total, note) => {
      const filled = total === 0 ? width : Math.round((done / total) * width);
      draw(`${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} ${note}`);
    },
    // Print above the bar, then redraw it.
    line: (text) => {
      stream.write(`\r\x1b[2K${text}\n`);
      if (last) stream.write(last);
    },
    finish: () => {
      if (last) stream.write('\n');
      last = '';
    },
  };
}
