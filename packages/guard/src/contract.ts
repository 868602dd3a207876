import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * The declared contract: what the rendered spec says a service listens on and whom it calls.
 * Nimbus renders it into the pod (environment NIMBUS_GUARD_CONTRACT or a mounted file), so the
 * connection and listener rules need no hand-written allow lists.
 */
export interface ContractPort {
  port: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  name?: string;
}

export interface ContractDestination {
  /** The dependency's name in the spec. */
  name: string;
  /** Host names that reach it (a Service's short and full names, a resource's host). */
  hosts?: string[];
  /** Address ranges that reach it (an external resource's `cidr`). */
  cidrs?: string[];
  /** Ports; absent means any. */
  ports?: number[];
}

export interface GuardContract {
  service: string;
  namespace?: string;
  listen: ContractPort[];
  connect: ContractDestination[];
  /** Sockets of these users are not the service's (a mesh proxy's, e.g. Istio's 1337). */
  ignoreUids?: number[];
}

export class ContractError extends Error {
  readonly code = 'NIMBUS_GUARD_CONTRACT';
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = 'ContractError';
  }
}

const isPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

/** Parses and checks a contract; `where` names its origin in errors (an env var or a file). */
export function parseContract(text: string, where: string): GuardContract {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ContractError(where, `not valid JSON: ${(err as Error).message}`);
  }
  const c = raw as Partial<GuardContract>;
  if (typeof c !== 'object' || c === null || typeof c.service !== 'string')
    throw new ContractError(where, 'a contract is an object with `service`, `listen` and `connect`');
  const listen = c.listen ?? [];
  const connect = c.connect ?? [];
  checkListen(listen, where);
  checkConnect(connect, where);
  return {
    service: c.service,
    namespace: c.namespace,
    listen: listen.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })),
    connect,
    ignoreUids: Array.isArray(c.ignoreUids) ? c.ignoreUids.filter(Number.isInteger) : undefined,
  };
}

function checkListen(listen: unknown, where: string): asserts listen is ContractPort[] {
  if (!Array.isArray(listen) || !listen.every((p) => isPort(p?.port)))
    throw new ContractError(where, '`listen` must be a list of { port, protocol }');
}

function checkConnect(connect: unknown, where: string): asserts connect is ContractDestination[] {
  if (!Array.isArray(connect) || !connect.every((d) => typeof d?.name === 'string'))
    throw new ContractError(where, '`connect` must be a list of { name, hosts?, cidrs?, ports? }');
  for (const d of connect as ContractDestination[]) {
    if (d.ports && !d.ports.every(isPort)) throw new ContractError(where, `ports of '${d.name}' must be port numbers`);
    const bad = (d.cidrs ?? []).find((cidr) => !parseCidr(cidr));
    if (bad) throw new ContractError(where, `'${bad}' of '${d.name}' is not an address range`);
  }
}

function addressValue(ip: string): { family: 4 | 6; value: bigint } | undefined {
  const family = isIP(ip);
  if (family === 4) return { family, value: ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  if (family !== 6) return undefined;
  const [head = '', tail] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return { family: 6, value: all.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
}

function parseCidr(cidr: string): { family: 4 | 6; base: bigint; mask: bigint } | undefined {
  const [ip = '', bits] = cidr.split('/');
  const address = addressValue(ip);
  if (!address) return undefined;
  const width = address.family === 4 ? 32 : 128;
  const prefix = bits === undefined ? width : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) return undefined;
  const mask = ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
  return { family: address.family, base: address.value & mask, mask };
}

export function inCidr(ip: string, cidr: string): boolean {
  const range = parseCidr(cidr);
  const address = addressValue(ip);
  return !!range && !!address && range.family === address.family && (address.value & range.mask) === range.base;
}

const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1';

/** Resolves host names to addresses; injectable so tests can stay on this machine. */
export type Resolve = (host: string) => Promise<string[]>;

const systemResolve: Resolve = async (host) =>
  isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);

/**
 * Answers "is this destination declared?" for the connection rule. Host names are resolved in
 * the background and again before a miss is reported, so an address that changed is not taken
 * for an intruder.
 */
export class DeclaredDestinations {
  private addresses = new Map<string, string[]>();
  private resolvedAt = 0;
  private resolving: Promise<void> | undefined;

  constructor(
    readonly contract: GuardContract,
    /** Name servers of the service's resolv.conf: DNS to them is always expected. */
    private readonly nameservers: readonly string[],
    private readonly resolve: Resolve = systemResolve,
    private readonly minRefreshMs = 2000,
  ) {}

  /** Resolves every declared host; concurrent callers share one round. */
  refresh(): Promise<void> {
    this.resolving ??= (async () => {
      const next = new Map<string, string[]>();
      const hosts = [...new Set(this.contract.connect.flatMap((d) => d.hosts ?? []))];
      await Promise.all(
        hosts.map(async (host) => {
          for (const ip of await this.resolve(host)) next.set(ip, [...(next.get(ip) ?? []), host]);
        }),
      );
      this.addresses = next;
      this.resolvedAt = Date.now();
    })().finally(() => {
      this.resolving = undefined;
    });
    return this.resolving;
  }

  /** The name of what the destination was declared as, or undefined. */
  match(ip: string, port: number): string | undefined {
    if (port === 53 && this.nameservers.includes(ip)) return 'dns';
    if (isLoopback(ip) && this.contract.listen.some((l) => l.port === port)) return 'self';
    const hostsOfIp = this.addresses.get(ip) ?? [];
    for (const d of this.contract.connect) {
      if (d.ports && !d.ports.includes(port)) continue;
      const byHost = d.hosts?.some((h) => hostsOfIp.includes(h) || h === ip);
      const byCidr = d.cidrs?.some((c) => inCidr(ip, c));
      const anywhere = !d.hosts?.length && !d.cidrs?.length;
      if (byHost || byCidr || anywhere) return d.name;
    }
    return undefined;
  }

  /** Like match, but a miss triggers one fresh resolution (at most every minRefreshMs) before it stands. */
  async matchFresh(ip: string, port: number): Promise<string | undefined> {
    const hit = this.match(ip, port);
    if (hit !== undefined || Date.now() - this.resolvedAt < this.minRefreshMs) return hit;
    await this.refresh();
    return this.match(ip, port);
  }

  /** Is a listening port declared? */
  listens(port: number, proto: 'tcp' | 'udp'): string | undefined {
    const wanted = proto === 'tcp' ? ['TCP', 'SCTP'] : ['UDP'];
    const hit = this.contract.listen.find((l) => l.port === port && wanted.includes(l.protocol));
    return hit ? (hit.name ?? String(hit.port)) : undefined;
  }
}

/** Name servers from a resolv.conf text. */
export function parseNameservers(resolvConf: string | undefined): string[] {
  return (resolvConf ?? '')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([key, value]) => key === 'nameserver' && value)
    .map(([, value]) => value as string);
}
