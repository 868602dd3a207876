import { openSync, readdirSync, readFileSync, readlinkSync, readSync, type Stats, type StatsFs, statfsSync, statSync } from 'node:fs';
import { type FileHandle, open, readdir, readFile, readlink, stat, statfs } from 'node:fs/promises';

/**
 * How the sampler touches /proc and the file system. The sampler is written once against this
 * interface: inside a service it reads asynchronously (the service's event loop never waits on
 * it); in a sidecar or on a host, where the guard has the process to itself, it reads
 * synchronously, which costs the least CPU. Every call resolves to `undefined` when the entry has
 * gone (a process that exited, a file removed) — that is normal, never an error.
 */
export interface ProcReader {
  text(path: string): Promise<string | undefined>;
  list(path: string): Promise<string[] | undefined>;
  link(path: string): Promise<string | undefined>;
  stat(path: string): Promise<Stats | undefined>;
  statfs(path: string): Promise<StatsFs | undefined>;
  /** A small file read again and again (/proc/loadavg): kept open and re-read from offset 0, one system call. */
  reread(path: string): Promise<string | undefined>;
}

const REREAD_BYTES = 256;

const gone = () => undefined;

export const asyncReader: ProcReader = {
  text: (path) => readFile(path, 'latin1').catch(gone),
  list: (path) => readdir(path).catch(gone),
  link: (path) => readlink(path).catch(gone),
  stat: (path) => stat(path).catch(gone),
  statfs: (path) => statfs(path).catch(gone),
  reread: (() => {
    const handles = new Map<string, Promise<FileHandle | undefined>>();
    const buffer = Buffer.alloc(REREAD_BYTES);
    return async (path: string) => {
      let handle = handles.get(path);
      if (!handle) {
        handle = open(path, 'r').catch(gone);
        handles.set(path, handle);
      }
      const h = await handle;
      if (!h) return readFile(path, 'latin1').catch(gone);
      const { bytesRead } = await h.read(buffer, 0, REREAD_BYTES, 0);
      return buffer.toString('latin1', 0, bytesRead);
    };
  })(),
};

function attempt<T>(read: () => T): Promise<T | undefined> {
  try {
    return Promise.resolve(read());
  } catch {
    return Promise.resolve(undefined);
  }
}

export const syncReader: ProcReader = {
  text: (path) => attempt(() => readFileSync(path, 'latin1')),
  list: (path) => attempt(() => readdirSync(path)),
  link: (path) => attempt(() => readlinkSync(path)),
  stat: (path) => attempt(() => statSync(path)),
  statfs: (path) => attempt(() => statfsSync(path)),
  reread: (() => {
    const fds = new Map<string, number>();
    const buffer = Buffer.alloc(REREAD_BYTES);
    return (path: string) =>
      attempt(() => {
        let fd = fds.get(path);
        if (fd === undefined) {
          fd = openSync(path, 'r');
          fds.set(path, fd);
        }
        return buffer.toString('latin1', 0, readSync(fd, buffer, 0, REREAD_BYTES, 0));
      });
  })(),
};

/** The fields of /proc/PID/stat the guard uses. */
export interface ProcStat {
  comm: string;
  state: string;
  ppid: number;
  /** Controlling terminal; 0 when the process has none. */
  ttyNr: number;
  /** CPU time in clock ticks (user + system). */
  cpuTicks: number;
  /** Start time in clock ticks after boot: with the pid, the identity of a process (pids are reused). */
  startTime: number;
  rssPages: number;
}

/** Parses /proc/PID/stat. The command name may hold spaces and parentheses, so it ends at the last ')'. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  const field = (n: number) => Number(rest[n - 3]);
  return {
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: field(4),
    ttyNr: field(7),
    cpuTicks: field(14) + field(15),
    startTime: field(22),
    rssPages: field(24),
  };
}

/** Real and effective user and group ids from /proc/PID/status. */
export function parseStatusIds(text: string): { uid: number; euid: number; gid: number } {
  const ids = (key: string) => {
    const at = text.indexOf(`\n${key}:`);
    if (at < 0) return [-1, -1];
    const line = text.slice(at + key.length + 2, text.indexOf('\n', at + 1));
    return line.trim().split(/\s+/).map(Number);
  };
  const [uid = -1, euid = -1] = ids('Uid');
  const [gid = -1] = ids('Gid');
  return { uid, euid, gid };
}

/** The last pid handed out in the reader's pid namespace: the fifth field of /proc/loadavg. */
export function parseLastPid(loadavg: string): number {
  const last = loadavg.lastIndexOf(' ');
  return Number(loadavg.slice(last + 1));
}

/** argv from /proc/PID/cmdline (NUL-separated, with a trailing NUL). */
export function parseCmdline(text: string): string[] {
  if (!text) return [];
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export type L4Proto = 'tcp' | 'udp';

/** One row of /proc/net/{tcp,tcp6,udp,udp6}. */
export interface SocketRow {
  proto: L4Proto;
  family: 4 | 6;
  localIp: string;
  localPort: number;
  remoteIp: string;
  remotePort: number;
  state: TcpState;
  uid: number;
  /** 0 for sockets no process holds any more (TIME_WAIT). */
  inode: number;
}

export type TcpState =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'NEW_SYN_RECV'
  | 'UNKNOWN';

const TCP_STATES: TcpState[] = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

/** The kernel prints each 32-bit word of an address in host byte order (little-endian here). */
function wordBytes(hex: string): number[] {
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

export function decodeAddress(hex: string): string {
  if (hex.length === 8) return wordBytes(hex).join('.');
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8)));
  // An IPv4-mapped address (::ffff:a.b.c.d) is reported as the IPv4 address it carries.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return compressIpv6(groups);
}

function compressIpv6(groups: string[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

/** Parses one of /proc/net/{tcp,tcp6,udp,udp6}. Malformed rows are skipped. */
export function parseSocketTable(text: string, proto: L4Proto, family: 4 | 6): SocketRow[] {
  const rows: SocketRow[] = [];
  let start = text.indexOf('\n') + 1;
  while (start > 0 && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const cols = text.slice(start, end).trim().split(/\s+/);
    start = end + 1;
    const local = cols[1]?.split(':');
    const remote = cols[2]?.split(':');
    if (!local || !remote || local.length !== 2 || remote.length !== 2) continue;
    rows.push({
      proto,
      family,
      localIp: decodeAddress(local[0] as string),
      localPort: Number.parseInt(local[1] as string, 16),
      remoteIp: decodeAddress(remote[0] as string),
      remotePort: Number.parseInt(remote[1] as string, 16),
      state: TCP_STATES[Number.parseInt(cols[3] ?? '0', 16)] ?? 'UNKNOWN',
      uid: Number(cols[7]),
      inode: Number(cols[9]),
    });
  }
  return rows;
}

/** The socket inode an fd link points at (`socket:[12345]`), or undefined for any other fd. */
export function socketInode(link: string): number | undefined {
  return link.startsWith('socket:[') ? Number(link.slice(8, -1)) : undefined;
}

/** Bytes received and sent over all interfaces but loopback, from /proc/PID/net/dev. */
export function parseNetDev(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim() === 'lo') continue;
    const cols = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    rx += Number(cols[0]) || 0;
    tx += Number(cols[8]) || 0;
  }
  return { rx, tx };
}

/** The ephemeral port range clients bind from; a UDP socket bound in it is a client, not a listener. */
export function parsePortRange(text: string | undefined): [number, number] {
  const [low, high] = (text ?? '').trim().split(/\s+/).map(Number);
  return low && high ? [low, high] : [32768, 60999];
}

/** The socket tables: reading one walks the kernel's whole connection hash, milliseconds however few sockets there are. */
const SLOW_FILES = /\/net\/(tcp|udp)6?$/;

/**
 * Inside a service: the small /proc reads (a few microseconds each) are synchronous, which costs
 * the least; the socket tables, the one read slow enough to be felt, go to the thread pool so the
 * service's event loop never waits for them.
 */
export const hybridReader: ProcReader = {
  ...syncReader,
  text: (path) => (SLOW_FILES.test(path) ? asyncReader.text(path) : syncReader.text(path)),
};
