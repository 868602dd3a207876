/**
 * What the sampler observes, as events with named fields. Rules are conditions over these fields,
 * so the field catalogue below is the whole vocabulary of the rule language.
 */

export type EventType = 'spawn' | 'connect' | 'listen' | 'file' | 'usage';
export const EVENT_TYPES: readonly EventType[] = ['spawn', 'connect', 'listen', 'file', 'usage'];

export type FieldValue = string | number | boolean | undefined;

/** A process as the sampler saw it when it appeared. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The kernel's command name (at most 15 characters, set by the program itself). */
  comm: string;
  /** Path of the executable the process runs (`/proc/PID/exe`), '' when it cannot be read. */
  exe: string;
  argv: string[];
  uid: number;
  euid: number;
  gid: number;
  tty: boolean;
  startTime: number;
  parent: ProcessInfo | undefined;
}

export interface GuardEvent {
  type: EventType;
  /** Milliseconds since the epoch when the sampler saw it. */
  time: number;
  /** Present when the guard started (a baseline), rather than new since. */
  initial: boolean;
  /** The event's own fields (fd.*, fs.*, usage.*). */
  values: Record<string, FieldValue>;
  /** The process involved; a function when finding it costs something (a socket's owner), so only rules that ask pay. */
  process?: ProcessInfo | (() => ProcessInfo | undefined);
}

/** Multi-call binaries whose applet is named by argv[0]. */
const MULTI_CALL = new Set(['busybox', 'toybox']);

export function baseName(path: string): string {
  const clean = path.endsWith(' (deleted)') ? path.slice(0, -10) : path;
  return clean.slice(clean.lastIndexOf('/') + 1);
}

/**
 * The program a process really runs, judged by behaviour rather than by its self-chosen name: the
 * executable's file name, except for multi-call binaries (busybox) where argv[0] picks the applet.
 * A shell renamed by `exec -a` still runs /bin/sh; busybox invoked as `nc` is nc.
 */
export function programOf(p: ProcessInfo): string {
  const exeName = baseName(p.exe);
  if (!exeName) return p.comm;
  if (MULTI_CALL.has(exeName) && p.argv[0]) {
    const applet = baseName(p.argv[0]);
    if (applet === exeName && p.argv[1]) return baseName(p.argv[1]);
    return applet;
  }
  return exeName;
}

export interface FieldSpec {
  type: 'string' | 'number' | 'boolean';
  doc: string;
  events: readonly EventType[] | 'all';
}

const PROC_EVENTS: readonly EventType[] = ['spawn', 'connect', 'listen'];
const FD_EVENTS: readonly EventType[] = ['connect', 'listen'];

const procFields: Record<string, FieldSpec & { of: (p: ProcessInfo) => FieldValue }> = {
  'proc.pid': { type: 'number', doc: 'Process id.', events: PROC_EVENTS, of: (p) => p.pid },
  'proc.ppid': {
    type: 'number',
    doc: 'Parent process id (0 when the parent is outside the pid namespace).',
    events: PROC_EVENTS,
    of: (p) => p.ppid,
  },
  'proc.name': {
    type: 'string',
    doc: "The kernel's command name (what the program calls itself).",
    events: PROC_EVENTS,
    of: (p) => p.comm,
  },
  'proc.exe': { type: 'string', doc: 'Path of the executable.', events: PROC_EVENTS, of: (p) => p.exe },
  'proc.exe_name': { type: 'string', doc: 'File name of the executable.', events: PROC_EVENTS, of: (p) => baseName(p.exe) },
  'proc.exe_deleted': {
    type: 'boolean',
    doc: 'The executable was deleted after it started (a classic dropper).',
    events: PROC_EVENTS,
    of: (p) => p.exe.endsWith(' (deleted)'),
  },
  'proc.program': {
    type: 'string',
    doc: 'The program it really runs: the executable, or the busybox applet argv[0] names.',
    events: PROC_EVENTS,
    of: programOf,
  },
  'proc.argv0': { type: 'string', doc: 'argv[0] as given.', events: PROC_EVENTS, of: (p) => p.argv[0] ?? '' },
  'proc.args': {
    type: 'string',
    doc: 'The arguments after argv[0], space-separated.',
    events: PROC_EVENTS,
    of: (p) => p.argv.slice(1).join(' '),
  },
  'proc.cmdline': { type: 'string', doc: 'The whole command line.', events: PROC_EVENTS, of: (p) => p.argv.join(' ') || `[${p.comm}]` },
  'proc.uid': { type: 'number', doc: 'Real user id.', events: PROC_EVENTS, of: (p) => p.uid },
  'proc.euid': { type: 'number', doc: 'Effective user id.', events: PROC_EVENTS, of: (p) => p.euid },
  'proc.gid': { type: 'number', doc: 'Real group id.', events: PROC_EVENTS, of: (p) => p.gid },
  'proc.tty': { type: 'boolean', doc: 'It has a controlling terminal (an interactive session).', events: PROC_EVENTS, of: (p) => p.tty },
  'proc.pname': { type: 'string', doc: "The parent's command name.", events: PROC_EVENTS, of: (p) => p.parent?.comm },
  'proc.pexe': { type: 'string', doc: "The parent's executable.", events: PROC_EVENTS, of: (p) => p.parent?.exe },
  'proc.pprogram': {
    type: 'string',
    doc: 'The program the parent really runs.',
    events: PROC_EVENTS,
    of: (p) => (p.parent ? programOf(p.parent) : undefined),
  },
  'proc.pcmdline': { type: 'string', doc: "The parent's command line.", events: PROC_EVENTS, of: (p) => p.parent?.argv.join(' ') },
};

const valueFields: Record<string, FieldSpec> = {
  'evt.type': { type: 'string', doc: 'spawn, connect, listen, file or usage.', events: 'all' },
  'evt.initial': { type: 'boolean', doc: 'Already there when the guard started (its baseline).', events: 'all' },
  'contract.loaded': { type: 'boolean', doc: 'A declared contract (ports and dependencies) was handed to the guard.', events: 'all' },
  'fd.l4proto': { type: 'string', doc: 'tcp or udp.', events: FD_EVENTS },
  'fd.family': { type: 'number', doc: '4 or 6.', events: FD_EVENTS },
  'fd.lip': { type: 'string', doc: 'Local address.', events: FD_EVENTS },
  'fd.lport': { type: 'number', doc: 'Local port.', events: FD_EVENTS },
  'fd.rip': { type: 'string', doc: 'Remote address.', events: ['connect'] },
  'fd.rport': { type: 'number', doc: 'Remote port.', events: ['connect'] },
  'fd.state': { type: 'string', doc: 'TCP state when seen (ESTABLISHED, SYN_SENT, TIME_WAIT, ...).', events: ['connect'] },
  'fd.declared': {
    type: 'boolean',
    doc: 'The destination (connect) or port (listen) is in the declared contract.',
    events: FD_EVENTS,
  },
  'fd.declared_as': { type: 'string', doc: 'The declared dependency or port it matched.', events: FD_EVENTS },
  'fd.owner_known': { type: 'boolean', doc: 'The owning process was found (a closed socket has none).', events: FD_EVENTS },
  'fs.path': { type: 'string', doc: 'File path as the service sees it.', events: ['file'] },
  'fs.mode': { type: 'string', doc: 'Permission bits in octal, e.g. 0777.', events: ['file'] },
  'fs.type': { type: 'string', doc: 'file, directory or other.', events: ['file'] },
  'fs.uid': { type: 'number', doc: 'Owner user id.', events: ['file'] },
  'fs.world_writable': { type: 'boolean', doc: 'Anyone may write it (and it is not a sticky directory).', events: ['file'] },
  'fs.executable': { type: 'boolean', doc: 'A regular file with an execute bit.', events: ['file'] },
  'fs.became_world_writable': { type: 'boolean', doc: 'It was not world-writable before.', events: ['file'] },
  'fs.became_executable': { type: 'boolean', doc: 'A file that was not executable (or did not exist) now is.', events: ['file'] },
  'fs.new': { type: 'boolean', doc: 'The file appeared after the guard started.', events: ['file'] },
  'usage.cpu_percent': { type: 'number', doc: 'CPU used, percent of one core.', events: ['usage'] },
  'usage.memory_bytes': { type: 'number', doc: 'Memory in use (cgroup, or resident size of the processes).', events: ['usage'] },
  'usage.memory_limit_bytes': { type: 'number', doc: 'Memory limit; 0 when none is known.', events: ['usage'] },
  'usage.memory_percent': { type: 'number', doc: 'Memory in use, percent of the limit (0 without a limit).', events: ['usage'] },
  'usage.disk_percent': { type: 'number', doc: 'Fullest watched file system, percent used.', events: ['usage'] },
  'usage.disk_path': { type: 'string', doc: 'That file system’s watched path.', events: ['usage'] },
  'usage.net_rx_bytes_per_second': { type: 'number', doc: 'Received, all interfaces but loopback.', events: ['usage'] },
  'usage.net_tx_bytes_per_second': { type: 'number', doc: 'Sent, all interfaces but loopback.', events: ['usage'] },
  'usage.processes': { type: 'number', doc: 'Processes in scope.', events: ['usage'] },
};

export const FIELDS: Record<string, FieldSpec> = { ...valueFields, ...procFields };

function processOf(event: GuardEvent): ProcessInfo | undefined {
  if (typeof event.process === 'function') {
    const found = event.process();
    event.process = found; // resolved once, however many rules ask
    return found;
  }
  return event.process;
}

/** The value of a field on an event; undefined when the event has no such value. */
export function fieldValue(event: GuardEvent, name: string): FieldValue {
  if (name === 'evt.type') return event.type;
  if (name === 'evt.initial') return event.initial;
  const proc = procFields[name];
  if (proc) {
    const p = processOf(event);
    return p ? proc.of(p) : undefined;
  }
  return event.values[name];
}
