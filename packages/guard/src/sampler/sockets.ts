import type { DeclaredDestinations } from '../contract.js';
import type { FieldValue, GuardEvent, ProcessInfo } from '../events.js';
import { type L4Proto, type ProcReader, parsePortRange, parseSocketTable, type SocketRow, socketInode } from '../proc.js';
import type { ProcessTable } from './processes.js';

/**
 * Connections and listeners of the watched network namespace, diffed between samples: only a
 * socket not seen before becomes an event. A connection is outbound when its local port is not a
 * listening port (accepted connections share the listener's port). A closed connection lingers
 * in TIME_WAIT for a minute with no owner, so even a short-lived client is seen.
 */
export interface SocketOptions {
  reader: ProcReader;
  processes: ProcessTable;
  contract: DeclaredDestinations | undefined;
  /**
   * 'netns': every socket of the namespace is the service's (a pod); 'owned': only sockets an
   * in-scope process holds (a process on a shared host network).
   */
  attribution: 'netns' | 'owned';
  /** The guard is not the service (a sidecar, a host process): its own sockets are left out. */
  excludeOwnSockets: boolean;
  procRoot?: string;
}

const TABLES: [string, L4Proto, 4 | 6][] = [
  ['tcp', 'tcp', 4],
  ['tcp6', 'tcp', 6],
  ['udp', 'udp', 4],
  ['udp6', 'udp', 6],
];

/** TCP's ActiveOpens counter from /proc/net/snmp: it rises with every connect(). */
function activeOpens(snmp: string | undefined): string | undefined {
  const lines = (snmp ?? '').split('\n').filter((l) => l.startsWith('Tcp:'));
  const names = lines[0]?.split(' ') ?? [];
  return lines[1]?.split(' ')[names.indexOf('ActiveOpens')];
}

/** Samples between unconditional reads of the socket tables. */
const FULL_READ_EVERY = 30;

const unspecified = (ip: string) => ip === '0.0.0.0' || ip === '::';

export class SocketWatch {
  private readonly seen = new Map<string, number>();
  private generation = 0;
  private ephemeral: [number, number] = [32768, 60999];
  private signature: string | undefined;
  private samplesSinceRead = 0;

  constructor(private readonly o: SocketOptions) {}

  private get procRoot() {
    return this.o.procRoot ?? '/proc';
  }

  /**
   * Whether the socket tables may have changed. Reading /proc/net/tcp walks the kernel's whole
   * connection hash (milliseconds, however few sockets there are), so it is read only when the
   * network's counters moved: a connect() raises ActiveOpens, a new listener or socket changes the
   * in-use and allocated counts. Every FULL_READ_EVERY samples the tables are read regardless, so a
   * change the counters happen to hide is seen late, never missed.
   */
  private async changed(anchor: number): Promise<boolean> {
    const [sockstat, sockstat6, snmp] = await Promise.all([
      this.o.reader.text(`${this.procRoot}/${anchor}/net/sockstat`),
      this.o.reader.text(`${this.procRoot}/${anchor}/net/sockstat6`),
      this.o.reader.text(`${this.procRoot}/${anchor}/net/snmp`),
    ]);
    // Sockets in use and allocated, per protocol; not memory (moves with every packet) nor TIME_WAIT (expires on its own).
    const counts = [...`${sockstat ?? ''}${sockstat6 ?? ''}`.matchAll(/(\w+): inuse (\d+)(?: orphan \d+ tw \d+ alloc (\d+))?/g)].map((m) =>
      m.slice(1).join(' '),
    );
    const signature = `${activeOpens(snmp)}|${counts.join('|')}`;
    const due = ++this.samplesSinceRead >= FULL_READ_EVERY;
    if (signature === this.signature && !due) return false;
    this.signature = signature;
    this.samplesSinceRead = 0;
    return true;
  }

  async sample(anchor: number, now: number, initial: boolean): Promise<GuardEvent[]> {
    if (!initial && !(await this.changed(anchor))) return [];
    if (initial) this.ephemeral = parsePortRange(await this.o.reader.text(`${this.procRoot}/sys/net/ipv4/ip_local_port_range`));
    const rows = await this.readTables(anchor);
    const { listeners, outbound } = this.classify(rows);
    this.generation++;
    const newListeners = listeners.filter((r) => this.fresh(r, 'L'));
    const newOutbound = outbound.filter((r) => this.fresh(r, 'C'));
    for (const [key, gen] of this.seen) if (gen !== this.generation) this.seen.delete(key);
    if (newListeners.length === 0 && newOutbound.length === 0) return [];
    return this.describe(newListeners, newOutbound, now, initial);
  }

  /** Every socket of the namespace, less those of users the contract says are not the service (a mesh proxy). */
  private async readTables(anchor: number): Promise<SocketRow[]> {
    const ignored = new Set(this.o.contract?.contract.ignoreUids ?? []);
    const rows: SocketRow[] = [];
    for (const [file, proto, family] of TABLES) {
      const text = await this.o.reader.text(`${this.procRoot}/${anchor}/net/${file}`);
      if (text) for (const row of parseSocketTable(text, proto, family)) if (!ignored.has(row.uid)) rows.push(row);
    }
    return rows;
  }

  /** Listeners, and connections this side opened (an accepted connection shares its listener's port). */
  private classify(rows: SocketRow[]): { listeners: SocketRow[]; outbound: SocketRow[] } {
    const listeners = rows.filter((r) => this.isListener(r));
    const listening = new Set(listeners.map((r) => `${r.proto}:${r.localPort}`));
    const outbound = rows.filter(
      (r) => r.remotePort !== 0 && r.state !== 'LISTEN' && r.state !== 'SYN_RECV' && !listening.has(`${r.proto}:${r.localPort}`),
    );
    return { listeners, outbound };
  }

  /** A TCP socket in LISTEN, or a bound UDP socket that is not a client's (an ephemeral port on any address). */
  private isListener(r: SocketRow): boolean {
    if (r.proto === 'tcp') return r.state === 'LISTEN';
    const [low, high] = this.ephemeral;
    return r.remotePort === 0 && !(r.localPort >= low && r.localPort <= high && unspecified(r.localIp));
  }

  private fresh(r: SocketRow, kind: string): boolean {
    const key = `${kind}|${r.proto}|${r.localIp}|${r.localPort}|${r.remoteIp}|${r.remotePort}`;
    const isNew = !this.seen.has(key);
    this.seen.set(key, this.generation);
    return isNew;
  }

  private async describe(listeners: SocketRow[], outbound: SocketRow[], now: number, initial: boolean): Promise<GuardEvent[]> {
    const contract = this.o.contract;
    const declaredAs = new Map<SocketRow, string | undefined>();
    for (const r of outbound) declaredAs.set(r, contract ? await contract.matchFresh(r.remoteIp, r.remotePort) : undefined);
    for (const r of listeners) declaredAs.set(r, contract?.listens(r.localPort, r.proto));
    const wanted = this.ownersWanted(declaredAs);
    const owners = await this.o.processes.ownersOf(wanted);
    const own = this.o.excludeOwnSockets && wanted.size > 0 ? await this.ownInodes() : undefined;
    const events: GuardEvent[] = [];
    for (const [r, as] of declaredAs) {
      const owner = owners.get(r.inode);
      if (own?.has(r.inode) || (this.o.attribution === 'owned' && !owner)) continue;
      events.push(socketEvent(r, as, owner, contract !== undefined, now, initial));
    }
    return events;
  }

  /**
   * Owners are looked up for what a rule will report (undeclared) or what scope depends on. On a
   * shared network a socket of a user no watched process runs as cannot be theirs: not looked up.
   */
  private ownersWanted(declaredAs: Map<SocketRow, string | undefined>): Set<number> {
    const owned = this.o.attribution === 'owned';
    const uids = owned ? new Set(this.o.processes.inScope().flatMap((p) => [p.uid, p.euid])) : undefined;
    const wanted = new Set<number>();
    for (const [r, as] of declaredAs) {
      if (r.inode === 0 || (uids && !uids.has(r.uid))) continue;
      if (as === undefined || owned) wanted.add(r.inode);
    }
    return wanted;
  }

  private async ownInodes(): Promise<Set<number>> {
    const inodes = new Set<number>();
    for (const fd of (await this.o.reader.list(`${this.procRoot}/self/fd`)) ?? []) {
      const link = await this.o.reader.link(`${this.procRoot}/self/fd/${fd}`);
      const inode = link ? socketInode(link) : undefined;
      if (inode !== undefined) inodes.add(inode);
    }
    return inodes;
  }
}

function socketEvent(
  r: SocketRow,
  declaredAs: string | undefined,
  owner: ProcessInfo | undefined,
  contractLoaded: boolean,
  now: number,
  initial: boolean,
): GuardEvent {
  const listen = r.proto === 'tcp' ? r.state === 'LISTEN' : r.remotePort === 0;
  const values: Record<string, FieldValue> = {
    'contract.loaded': contractLoaded,
    'fd.l4proto': r.proto,
    'fd.family': r.family,
    'fd.lip': r.localIp,
    'fd.lport': r.localPort,
    'fd.declared': declaredAs !== undefined,
    'fd.declared_as': declaredAs,
    'fd.owner_known': owner !== undefined,
  };
  if (!listen) {
    values['fd.rip'] = r.remoteIp;
    values['fd.rport'] = r.remotePort;
    values['fd.state'] = r.state;
  }
  return { type: listen ? 'listen' : 'connect', time: now, initial, values, process: owner };
}
