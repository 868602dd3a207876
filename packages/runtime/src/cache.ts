import { randomBytes } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Cluster, type ClusterNode, Command, type Redis } from 'ioredis';
import { CommandDeadlines } from './deadlines.js';
import type { Logger } from './logger.js';
import { METRIC_NAMES, type Metrics } from './metrics.js';

export interface CacheOptions {
  /** Startup nodes of the Redis Cluster. */
  nodes: ClusterNode[];
  /** Prefix for every key, e.g. `shop:api:`. */
  keyPrefix?: string;
  /** Default TTL in seconds (the seed used 3600). */
  defaultTtlSeconds?: number;
  /** A command that takes longer fails instead of hanging the caller. */
  commandTimeoutMs?: number;
  /** How long one process holds the load lock for a key. */
  lockTtlMs?: number;
  /** TTLs are spread by ± this fraction so keys set together do not expire together. */
  ttlJitter?: number;
  metrics?: Metrics;
  logger?: Logger;
}

export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Cache-aside: the cached value, or `loader()`'s, loaded once across callers and processes. */
  getOrLoad<T>(key: string, loader: () => Promise<T>, ttlSeconds?: number): Promise<T>;
  /** CLUSTER INFO as a map. */
  clusterInfo(): Promise<Record<string, string>>;
  /** Reads many keys with one round trip per slot owner. */
  getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]>;
  readonly client: Cluster;
  close(): Promise<void>;
}

/**
 * Reads many keys of one node in one command. `allow-cross-slot-keys` (Redis
 * 7) lets a script touch keys of several slots as long as the node serves
 * them all; a key that moved makes the script fail, and the caller falls back
 * to single reads that follow redirections.
 */
const MULTI_SLOT_GET = `#!lua flags=allow-cross-slot-keys,no-writes
local out = {}
for i, k in ipairs(ARGV) do out[i] = redis.call('GET', k) or false end
return out`;

const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Redis Cluster cache for services (the seed's RedisClusterManager):
 * every command has a timeout, Redis failures degrade to calling the loader
 * (the cache is an accelerator, not a dependency), and loads are
 * stampede-protected in-process (single flight) and across processes (a short
 * lock). Values are JSON.
 */
export function createCache(options: CacheOptions): Cache {
  const prefix = options.keyPrefix ?? '';
  const defaultTtl = options.defaultTtlSeconds ?? 3600;
  const lockTtl = options.lockTtlMs ?? 5_000;
  const jitter = options.ttlJitter ?? 0.1;
  const client = new Cluster(options.nodes, {
    scaleReads: 'master',
    enableOfflineQueue: true,
    clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
    slotsRefreshTimeout: 2_000,
    // No ioredis commandTimeout: every cache command carries its own deadline (see CommandDeadlines).
    redisOptions: { maxRetriesPerRequest: 2, connectTimeout: 2_000 },
  });
  const timeoutMs = options.commandTimeoutMs ?? 500;
  const deadlines = new CommandDeadlines(timeoutMs);
  /** Sends one command, to the slot owner or to `node`, bounded by the command deadline. */
  const send = <T>(name: string, args: (string | number)[], node?: Redis): Promise<T> => {
    const command = new Command(name, args, { replyEncoding: 'utf8' });
    (node ?? client).sendCommand(command);
    return deadlines.track<T>(command);
  };
  client.on('error', (err) => options.logger?.warn('redis cluster error', { error: err.message }));
  const requests = options.metrics?.counter(METRIC_NAMES.cacheRequests, 'Cache operations by outcome (hit, miss, error).', [
    'op',
    'result',
  ]);
  const latency = options.metrics?.histogram(
    METRIC_NAMES.cacheDuration,
    'Cache operation duration in seconds.',
    ['op'],
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
  );
  const hit = requests?.labels('get', 'hit');
  const miss = requests?.labels('get', 'miss');
  const errored = requests?.labels('get', 'error');
  const getTime = latency?.labels('get');
  const inflight = new Map<string, Promise<unknown>>();

  const ttlWithJitter = (ttl: number) => Math.max(1, Math.round(ttl * (1 + (Math.random() * 2 - 1) * jitter)));
  const decode = <T>(raw: string | null): T | undefined => (raw === null ? undefined : (JSON.parse(raw) as T));

  // The hit path is a plain promise chain: no async-function frames between the caller and Redis.
  const get = <T>(key: string): Promise<T | undefined> => {
    const t0 = getTime ? performance.now() : 0;
    return send<string | null>('get', [prefix + key]).then(
      (raw) => {
        getTime?.observe((performance.now() - t0) / 1000);
        if (raw === null) {
          miss?.inc();
          return undefined;
        }
        hit?.inc();
        return JSON.parse(raw) as T;
      },
      (err: unknown) => {
        errored?.inc();
        throw err;
      },
    );
  };

  const set = async (key: string, value: unknown, ttlSeconds = defaultTtl) =>
    (await send<string | null>('set', [prefix + key, JSON.stringify(value), 'EX', ttlWithJitter(ttlSeconds)])) === 'OK';

  const load = async <T>(key: string, loader: () => Promise<T>, ttl: number): Promise<T> => {
    const lockKey = `${prefix}{${key}}:lock`;
    const token = randomBytes(8).toString('hex');
    let locked = false;
    try {
      locked = (await send<string | null>('set', [lockKey, token, 'PX', lockTtl, 'NX'])) === 'OK';
    } catch {
      return loader();
    }
    if (!locked) {
      // Another process is loading: wait for its value rather than hitting the backend too.
      const deadline = Date.now() + lockTtl;
      while (Date.now() < deadline) {
        await sleep(25);
        const v = await get<T>(key).catch(() => undefined);
        if (v !== undefined) return v;
      }
      return loader();
    }
    try {
      const value = await loader();
      await set(key, value, ttl).catch((err: Error) => options.logger?.warn('cache set failed', { key, error: err.message }));
      return value;
    } finally {
      await send('eval', [RELEASE_LOCK, 1, lockKey, token]).catch(() => undefined);
    }
  };

  let scriptsUsable = true;
  const nodeAt = (owner: string) => client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);

  // The fallback routes each key by ioredis's current slot map and follows redirections; slower, but always right.
  const singleReads = (fullKeys: string[]): Promise<(string | null)[]> =>
    Promise.all(fullKeys.map((k) => send<string | null>('get', [k]).catch(() => null)));

  // One script call on the node that owns every key; undefined when that cannot answer (old server, keys moved).
  const scriptRead = async (owner: string, fullKeys: string[]): Promise<(string | null)[] | undefined> => {
    const node = scriptsUsable && fullKeys.length > 1 ? nodeAt(owner) : undefined;
    if (!node) return undefined;
    try {
      const raws = await send<(string | null)[]>('eval', [MULTI_SLOT_GET, 0, ...fullKeys], node);
      return Array.isArray(raws) && raws.length === fullKeys.length ? raws : undefined;
    } catch (err) {
      // Script flags need Redis 7; older servers reject the shebang for good. Moved keys only fail this call.
      if (/compil|flag|shebang/i.test((err as Error).message)) scriptsUsable = false;
      return undefined;
    }
  };

  const readGroup = async (owner: string, fullKeys: string[]): Promise<(string | null)[]> =>
    (await scriptRead(owner, fullKeys)) ?? singleReads(fullKeys);

  return {
    client,
    get,
    set,
    async delete(key) {
      return (await send<number>('del', [prefix + key])) > 0;
    },
    getOrLoad<T>(key: string, loader: () => Promise<T>, ttlSeconds = defaultTtl): Promise<T> {
      // One promise step on a hit: the read, its decoding and its metrics in a single callback.
      const t0 = getTime ? performance.now() : 0;
      return send<string | null>('get', [prefix + key]).then(
        (raw) => {
          getTime?.observe((performance.now() - t0) / 1000);
          if (raw !== null) {
            hit?.inc();
            return JSON.parse(raw) as T;
          }
          miss?.inc();
          const pending = inflight.get(key);
          if (pending) return pending as Promise<T>;
          const p = load(key, loader, ttlSeconds).finally(() => inflight.delete(key));
          inflight.set(key, p);
          return p;
        },
        (err: Error) => {
          errored?.inc();
          options.logger?.warn('cache unavailable, loading directly', { key, error: err.message });
          return loader();
        },
      );
    },
    async getMany<T>(keys: readonly string[]) {
      // Group the keys by the master that owns their slot: one script call per master.
      const groups = new Map<string, number[]>();
      keys.forEach((k, i) => {
        const owner = client.slots[calculateSlot(prefix + k)]?.[0] ?? 'unknown';
        const g = groups.get(owner);
        if (g) g.push(i);
        else groups.set(owner, [i]);
      });
      const out = new Array<T | undefined>(keys.length);
      await Promise.all(
        [...groups].map(async ([owner, indexes]) => {
          const raws = await readGroup(
            owner,
            indexes.map((i) => prefix + (keys[i] as string)),
          );
          raws.forEach((raw, j) => {
            out[indexes[j] as number] = decode<T>(raw);
          });
        }),
      );
      return out;
    },
    async clusterInfo() {
      const text = (await client.cluster('INFO')) as string;
      return Object.fromEntries(
        text
          .split(/\r?\n/)
          .filter((l) => l.includes(':'))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
      );
    },
    async close() {
      deadlines.stop();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
