import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_AT = 64 * 1024;
// Past this, output is stuck (a full pipe nobody reads): new lines are dropped rather than held without bound.
const HOLD_AT_MOST = 8 * 1024 * 1024;

// One exit hook for every writer: what is still buffered when the process exits is written synchronously.
const open = new Set<LineWriter>();
let exitHooked = false;
function flushAtExit(writer: LineWriter): void {
  open.add(writer);
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const w of open) w.flush();
  });
}

/**
 * Log lines gathered per event-loop turn and written with one synchronous
 * `write(2)`. Under load a turn handles many requests, so a line costs a
 * string append; at rest each line still leaves within the turn that wrote
 * it. Synchronous like pino's default destination (a line is never lost in a
 * thread pool queue at exit), but one system call per turn instead of per line.
 */
export class LineWriter {
  private buffer = '';
  /** Chunks a full pipe did not take yet, oldest first; written before anything newer. */
  private queue: Buffer[] = [];
  private queued = 0;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Lines dropped because the output stayed blocked. */
  dropped = 0;

  private constructor(
    private readonly fd: number,
    private readonly ownsFd: boolean,
  ) {
    flushAtExit(this);
  }

  static open(destination: number | string): LineWriter {
    return typeof destination === 'number' ? new LineWriter(destination, false) : new LineWriter(openSync(destination, 'a'), true);
  }

  write(line: string): boolean {
    if (this.buffer.length + this.queued > HOLD_AT_MOST) {
      this.dropped++;
      return false;
    }
    this.buffer += line;
    // While the output is blocked only the retry timer writes: flushing here would just fail again.
    if (this.buffer.length >= FLUSH_AT && this.queue.length === 0) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  flush(): void {
    this.scheduled = false;
    if (this.buffer) {
      const fresh = Buffer.from(this.buffer);
      this.buffer = '';
      this.queue.push(fresh);
      this.queued += fresh.length;
    }
    while (this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      let offset = 0;
      try {
        while (offset < head.length) offset += writeSync(this.fd, head, offset);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
          // A closed descriptor loses these lines: logging must never fail the service.
          this.queue = [];
          this.queued = 0;
          return;
        }
        // A non-blocking pipe is full: keep the rest and try again shortly instead of spinning.
        this.queue[0] = head.subarray(offset);
        this.queued -= offset;
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = undefined;
          this.flush();
        }, 10).unref();
        return;
      }
      this.queue.shift();
      this.queued -= head.length;
    }
  }

  close(): void {
    this.flush();
    open.delete(this);
    clearTimeout(this.retryTimer);
    if (this.ownsFd) closeSync(this.fd);
  }
}
