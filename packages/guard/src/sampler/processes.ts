import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import type { GuardEvent, ProcessInfo } from '../events.js';
import { type ProcReader, type ProcStat, parseCmdline, parseLastPid, parseStat, parseStatusIds, socketInode } from '../proc.js';

/**
 * Which processes the guard watches: a process and its descendants (in the service, or
 * `nimbus guard --pid N`), or every process of the pid namespace but the guard itself (a sidecar
 * sharing the pod's process namespace).
 */
export type Scope = { kind: 'tree'; root: number; self: number } | { kind: 'namespace'; self: number };

interface Entry {
  startTime: number;
  inScope: boolean;
  info: ProcessInfo | undefined;
  /** When it started (ms since the epoch); young processes are looked at again, since a fork becomes its program only at exec. */
  startedAt: number;
  /** A fork that has not exec'd yet: reported once it has, or once it has lived long enough to be what it is. */
  pending: boolean;
}

/** How long a new process is re-read on every fast tick, to catch the exec that follows a fork. */
const YOUNG_MS = 2000;

/**
 * The process table, kept incrementally. The fast tick reads one small file (/proc/loadavg, whose
 * last field is the newest pid of the namespace) and lists /proc only when it moved; only new
 * processes are read, and only young ones are read again.
 */
export class ProcessTable {
  private readonly entries = new Map<number, Entry>();
  private lastPid = -1;
  private bootTime: number | undefined;
  private readonly hooked: GuardEvent[] = [];

  constructor(
    private readonly reader: ProcReader,
    private readonly scope: Scope,
    private readonly procRoot = '/proc',
  ) {}

  /** Every in-scope process now known. */
  inScope(): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    for (const e of this.entries.values()) if (e.inScope && e.info) out.push(e.info);
    return out;
  }

  get(pid: number): ProcessInfo | undefined {
    const e = this.entries.get(pid);
    return e?.inScope ? e.info : undefined;
  }

  /** The oldest in-scope process: whose root file system and network the guard looks at. */
  anchor(): number | undefined {
    if (this.scope.kind === 'tree') return this.scope.root;
    let best: ProcessInfo | undefined;
    for (const p of this.inScope())
      if (!best || p.startTime < best.startTime || (p.startTime === best.startTime && p.pid < best.pid)) best = p;
    return best?.pid;
  }

  /**
   * A process the service itself just started, reported by the child_process hook. It is read at
   * once and synchronously (three small reads), so even a program that ends within a millisecond is
   * seen as what it was; what cannot be read any more is taken from the spawn call.
   */
  observe(pid: number, file: string, argv: string[], now: number): void {
    if (this.entries.has(pid)) return;
    const read = (path: string, link = false) => {
      try {
        return link ? readlinkSync(path) : readFileSync(path, 'latin1');
      } catch {
        return undefined;
      }
    };
    const stat = parseStat(read(`${this.procRoot}/${pid}/stat`) ?? '');
    const status = read(`${this.procRoot}/${pid}/status`);
    const exe = read(`${this.procRoot}/${pid}/exe`, true) ?? resolveOnPath(file);
    const ids = status
      ? parseStatusIds(status)
      : { uid: process.getuid?.() ?? -1, euid: process.geteuid?.() ?? -1, gid: process.getgid?.() ?? -1 };
    const parent = this.entries.get(process.pid)?.info;
    const info: ProcessInfo = {
      pid,
      ppid: stat?.ppid ?? process.pid,
      comm: stat?.comm ?? baseComm(exe, file),
      exe,
      argv: stat ? parseCmdline(read(`${this.procRoot}/${pid}/cmdline`) ?? '') : argv,
      uid: ids.uid,
      euid: ids.euid,
      gid: ids.gid,
      tty: (stat?.ttyNr ?? 0) !== 0,
      startTime: stat?.startTime ?? 0,
      parent,
    };
    if (info.argv.length === 0) info.argv = argv;
    this.entries.set(pid, { startTime: info.startTime, inScope: true, info, startedAt: now, pending: false });
    this.hooked.push(spawnEvent(info, now, false));
  }

  /** New processes since the last call (all of them, marked initial, on the first). */
  async poll(now: number, initial = false): Promise<GuardEvent[]> {
    const events: GuardEvent[] = this.hooked.splice(0);
    const loadavg = await this.reader.reread(`${this.procRoot}/loadavg`);
    const lastPid = loadavg ? parseLastPid(loadavg) : Number.NaN;
    if (initial || lastPid !== this.lastPid || Number.isNaN(lastPid)) {
      this.lastPid = lastPid;
      await this.relist(now, initial, events);
    }
    await this.recheckYoung(now, events);
    return events;
  }

  /** Lists /proc: forgets processes that ended, and returns the pids not seen before. */
  private async freshPids(): Promise<number[] | undefined> {
    const names = await this.reader.list(this.procRoot);
    if (!names) return undefined;
    const present = new Set<number>();
    const fresh: number[] = [];
    for (const name of names) {
      const code = name.charCodeAt(0);
      if (code < 48 || code > 57) continue;
      const pid = Number(name);
      present.add(pid);
      if (!this.entries.has(pid)) fresh.push(pid);
    }
    for (const pid of this.entries.keys()) if (!present.has(pid)) this.entries.delete(pid);
    return fresh;
  }

  private async relist(now: number, initial: boolean, events: GuardEvent[]): Promise<void> {
    const fresh = await this.freshPids();
    if (!fresh) return;
    const stats: [number, ProcStat][] = [];
    for (const pid of fresh) {
      const stat = parseStat((await this.reader.text(`${this.procRoot}/${pid}/stat`)) ?? '');
      if (stat) stats.push([pid, stat]);
    }
    // Parents before children: a child is in a tree's scope when its parent is.
    stats.sort((a, b) => a[1].startTime - b[1].startTime || a[0] - b[0]);
    for (const [pid, stat] of stats) await this.admit(pid, stat, now, initial, events);
  }

  /** Records one new process; an in-scope one is described and, unless it is a fork not yet exec'd, reported. */
  private async admit(pid: number, stat: ProcStat, now: number, initial: boolean, events: GuardEvent[]): Promise<void> {
    const inScope = this.decideScope(pid, stat.ppid, stat.comm);
    const entry: Entry = {
      startTime: stat.startTime,
      inScope,
      info: undefined,
      startedAt: await this.startedAt(stat.startTime, now),
      pending: false,
    };
    this.entries.set(pid, entry);
    if (!inScope) return;
    entry.info = await this.describe(pid, stat);
    if (!entry.info) {
      this.entries.delete(pid);
      return;
    }
    const parent = this.entries.get(stat.ppid)?.info;
    entry.pending = !initial && ((!!parent && isUnexecFork(entry.info, parent)) || isMidExec(entry.info));
    if (!entry.pending) events.push(spawnEvent(entry.info, now, initial));
  }

  private decideScope(pid: number, ppid: number, comm: string): boolean {
    if (this.scope.kind === 'namespace') {
      // The pod's infrastructure process is pid 1 of a shared namespace; it is not the service.
      return pid !== this.scope.self && !(pid === 1 && comm === 'pause');
    }
    // The guard itself is never the service, even when it runs as the watched process's child.
    if (pid === this.scope.self && pid !== this.scope.root) return false;
    return pid === this.scope.root || this.entries.get(ppid)?.inScope === true;
  }

  private async describe(
    pid: number,
    stat: { ppid: number; startTime: number; comm: string; ttyNr: number },
  ): Promise<ProcessInfo | undefined> {
    const [exe, cmdline, status] = await Promise.all([
      this.reader.link(`${this.procRoot}/${pid}/exe`),
      this.reader.text(`${this.procRoot}/${pid}/cmdline`),
      this.reader.text(`${this.procRoot}/${pid}/status`),
    ]);
    if (status === undefined) return undefined;
    const ids = parseStatusIds(status);
    return {
      pid,
      ppid: stat.ppid,
      comm: stat.comm,
      exe: exe ?? '',
      argv: parseCmdline(cmdline ?? ''),
      uid: ids.uid,
      euid: ids.euid,
      gid: ids.gid,
      tty: stat.ttyNr !== 0,
      startTime: stat.startTime,
      parent: this.entries.get(stat.ppid)?.info,
    };
  }

  /** When a process started, from its start time in clock ticks after boot. */
  private async startedAt(startTicks: number, now: number): Promise<number> {
    if (this.bootTime === undefined) {
      const uptime = Number.parseFloat((await this.reader.text(`${this.procRoot}/uptime`)) ?? '');
      this.bootTime = Number.isFinite(uptime) ? now - uptime * 1000 : 0;
    }
    return this.bootTime ? this.bootTime + startTicks * 10 : now;
  }

  /** A young process whose program changed has exec'd: that is a new program to judge. */
  private async recheckYoung(now: number, events: GuardEvent[]): Promise<void> {
    for (const [pid, entry] of this.entries) {
      if (!entry.inScope || !entry.info) continue;
      if (now - entry.startedAt <= YOUNG_MS) {
        if (await this.reread(pid, entry)) events.push(spawnEvent(entry.info, now, false));
      } else if (entry.pending) {
        // Lived long enough as the copy of its parent to be what it is.
        entry.pending = false;
        events.push(spawnEvent(entry.info, now, false));
      }
    }
  }

  /** Reads a process's program again; true when it changed (it exec'd). */
  private async reread(pid: number, entry: Entry): Promise<boolean> {
    const info = entry.info as ProcessInfo;
    const [exe, cmdline] = await Promise.all([
      this.reader.link(`${this.procRoot}/${pid}/exe`),
      this.reader.text(`${this.procRoot}/${pid}/cmdline`),
    ]);
    if (exe === undefined || cmdline === undefined) return false;
    const argv = parseCmdline(cmdline);
    if (exe === info.exe && argv.join('\0') === info.argv.join('\0')) return false;
    const status = await this.reader.text(`${this.procRoot}/${pid}/status`);
    const ids = status ? parseStatusIds(status) : info;
    entry.info = { ...info, exe, argv, uid: ids.uid, euid: ids.euid, gid: ids.gid, comm: baseComm(exe, info.comm) };
    entry.pending = false;
    return true;
  }

  /** Maps socket inodes to the in-scope process holding them, reading fd tables until all are found. */
  async ownersOf(inodes: Set<number>): Promise<Map<number, ProcessInfo>> {
    const owners = new Map<number, ProcessInfo>();
    if (inodes.size === 0) return owners;
    // Newest first: a freshly started tool is the likeliest owner of a fresh socket.
    const candidates = this.inScope().sort((a, b) => b.startTime - a.startTime);
    for (const p of candidates) {
      const fds = await this.reader.list(`${this.procRoot}/${p.pid}/fd`);
      for (const fd of fds ?? []) {
        const link = await this.reader.link(`${this.procRoot}/${p.pid}/fd/${fd}`);
        const inode = link ? socketInode(link) : undefined;
        if (inode !== undefined && inodes.has(inode) && !owners.has(inode)) owners.set(inode, p);
      }
      if (owners.size === inodes.size) break;
    }
    return owners;
  }
}

function resolveOnPath(file: string): string {
  if (file.includes('/')) return file;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(`${dir}/${file}`)) return `${dir}/${file}`;
  return file;
}

function baseComm(exe: string, fallback: string): string {
  const name = exe.slice(exe.lastIndexOf('/') + 1);
  return name ? name.slice(0, 15) : fallback;
}

/** A child that is still a copy of its parent: between fork and exec. */
/**
 * Caught inside exec: the kernel names the new program before it has laid out the arguments,
 * so for a moment the command line reads empty. Reported once it has them (the next re-read of
 * a young process), or as it is if it never does.
 */
function isMidExec(p: ProcessInfo): boolean {
  return p.exe !== '' && p.argv.length === 0;
}

function isUnexecFork(child: ProcessInfo, parent: ProcessInfo): boolean {
  return child.exe === parent.exe && child.argv.join('\0') === parent.argv.join('\0');
}

function spawnEvent(p: ProcessInfo, now: number, initial: boolean): GuardEvent {
  return { type: 'spawn', time: now, initial, values: {}, process: p };
}
