import { type FSWatcher, watch } from 'node:fs';
import type { GuardEvent } from '../events.js';
import type { ProcReader } from '../proc.js';

/**
 * Permissions of the files under the watched paths. One walk makes the baseline; after that the
 * kernel says what changed (inotify, through fs.watch on each directory), and only those entries
 * are stat'ed again — a chmod or a new file costs one stat, an idle tree costs nothing. A directory
 * that cannot be watched (inotify limits) is re-listed on each sample instead.
 */
interface Known {
  mode: number;
  uid: number;
  isFile: boolean;
  isDirectory: boolean;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const STICKY = 0o1000;

function describeMode(mode: number) {
  const type = mode & S_IFMT;
  return {
    isFile: type === S_IFREG,
    isDirectory: type === S_IFDIR,
    worldWritable: (mode & 0o002) !== 0 && !(type === S_IFDIR && (mode & STICKY) !== 0),
    executable: type === S_IFREG && (mode & 0o111) !== 0,
  };
}

export interface FileWatchOptions {
  reader: ProcReader;
  /** Paths as the service sees them, e.g. /app and /tmp. */
  paths: readonly string[];
  /** Where the service's root is seen from here (/proc/PID/root, or '' in the service itself). */
  rootPrefix: string;
  /** Most entries tracked; a larger tree is watched only up to this many. */
  limit?: number;
}

export class FileWatch {
  private readonly known = new Map<string, Known>();
  private readonly dirty = new Set<string>();
  private readonly unwatched = new Set<string>();
  private readonly watchers: FSWatcher[] = [];
  private full = false;

  constructor(private readonly o: FileWatchOptions) {}

  get tracked(): number {
    return this.known.size;
  }

  /** The baseline: every entry, with an event for each one already world-writable. */
  async start(now: number): Promise<GuardEvent[]> {
    const events: GuardEvent[] = [];
    for (const path of this.o.paths) await this.walk(path, now, true, events);
    return events;
  }

  async sample(now: number): Promise<GuardEvent[]> {
    const events: GuardEvent[] = [];
    for (const dir of this.unwatched) await this.relist(dir, now, events);
    const paths = [...this.dirty];
    this.dirty.clear();
    for (const path of paths) await this.check(path, now, events);
    return events;
  }

  stop(): void {
    for (const w of this.watchers.splice(0)) w.close();
  }

  private limitReached(): boolean {
    if (this.known.size < (this.o.limit ?? 20_000)) return false;
    this.full = true;
    return true;
  }

  private async walk(path: string, now: number, initial: boolean, events: GuardEvent[]): Promise<void> {
    if (this.limitReached()) return;
    const seen = await this.check(path, now, events, initial);
    if (!seen?.isDirectory) return;
    this.watchDirectory(path);
    const names = (await this.o.reader.list(this.o.rootPrefix + path)) ?? [];
    for (const name of names) await this.walk(join(path, name), now, initial, events);
  }

  private watchDirectory(path: string): void {
    try {
      const w = watch(this.o.rootPrefix + path, { persistent: false }, (_type, name) => {
        this.dirty.add(name ? join(path, name.toString()) : path);
      });
      w.on('error', () => {
        w.close();
        this.unwatched.add(path);
      });
      this.watchers.push(w);
    } catch {
      this.unwatched.add(path);
    }
  }

  private async relist(dir: string, now: number, events: GuardEvent[]): Promise<void> {
    for (const name of (await this.o.reader.list(this.o.rootPrefix + dir)) ?? []) await this.check(join(dir, name), now, events);
  }

  /** Stats one entry, records it, and makes an event when it became world-writable or executable. */
  private async check(path: string, now: number, events: GuardEvent[], initial = false): Promise<Known | undefined> {
    const st = await this.o.reader.stat(this.o.rootPrefix + path);
    const before = this.known.get(path);
    if (!st) {
      this.known.delete(path);
      return undefined;
    }
    const now_ = describeMode(st.mode);
    const entry = { mode: st.mode, uid: st.uid, isFile: now_.isFile, isDirectory: now_.isDirectory };
    if (!before && !initial && this.limitReached()) return entry;
    this.known.set(path, entry);
    if (!before && now_.isDirectory && !initial) {
      // A new directory: watch it and take in what is already inside.
      this.watchDirectory(path);
      await this.relist(path, now, events);
    }
    const event = fileEvent(path, st, before, now, initial);
    if (event) events.push(event);
    return entry;
  }

  /** True once the tree outgrew the limit (reported once by the guard). */
  get truncated(): boolean {
    return this.full;
  }
}

/** An event when an entry became world-writable or executable (or, at the baseline, already is world-writable). */
function fileEvent(
  path: string,
  st: { mode: number; uid: number },
  before: Known | undefined,
  now: number,
  initial: boolean,
): GuardEvent | undefined {
  const mode = describeMode(st.mode);
  const was = before ? describeMode(before.mode) : undefined;
  const becameWorldWritable = !initial && mode.worldWritable && !was?.worldWritable;
  const becameExecutable = !initial && mode.executable && !was?.executable;
  if (!(initial ? mode.worldWritable : becameWorldWritable || becameExecutable)) return undefined;
  return {
    type: 'file',
    time: now,
    initial,
    values: {
      'fs.path': path,
      'fs.mode': `0${(st.mode & 0o7777).toString(8).padStart(3, '0')}`,
      'fs.type': mode.isFile ? 'file' : mode.isDirectory ? 'directory' : 'other',
      'fs.uid': st.uid,
      'fs.world_writable': mode.worldWritable,
      'fs.executable': mode.executable,
      'fs.became_world_writable': becameWorldWritable,
      'fs.became_executable': becameExecutable,
      'fs.new': !initial && !before,
    },
  };
}

function join(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}
