import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Cache, createCache, createMetrics } from '@nimbus/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisNodes } from './testbed.js';

const redisCli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

describe('the cache on a real Redis Cluster (3 masters, 3 replicas)', () => {
  let cache: Cache;
  const metrics = createMetrics({ processMetrics: false });
  const prefix = `t${Date.now().toString(36)}:`;
  beforeAll(() => {
    cache = createCache({ nodes: testRedisNodes(), keyPrefix: prefix, metrics, commandTimeoutMs: 500 });
  });
  afterAll(async () => cache?.close());

  it("does the seed's set/get/delete/cluster_info, with TTLs spread by jitter", async () => {
    expect(await cache.set('user:123', { name: 'Ana' }, 3600)).toBe(true);
    expect(await cache.get('user:123')).toEqual({ name: 'Ana' });
    const ttl = await cache.client.ttl(`${prefix}user:123`);
    expect(ttl).toBeGreaterThanOrEqual(3240);
    expect(ttl).toBeLessThanOrEqual(3960);
    expect(await cache.delete('user:123')).toBe(true);
    expect(await cache.get('user:123')).toBeUndefined();
    const info = await cache.clusterInfo();
    expect(info.cluster_state).toBe('ok');
    expect(info.cluster_size).toBe('3');
  });

  it('loads once for many concurrent callers in one process (single flight)', async () => {
    let loads = 0;
    const loader = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 100));
      return { price: 42 };
    };
    const values = await Promise.all(Array.from({ length: 50 }, () => cache.getOrLoad('product:1', loader, 60)));
    expect(values.every((v) => v.price === 42)).toBe(true);
    expect(loads).toBe(1);
    expect(await cache.getOrLoad('product:1', loader)).toEqual({ price: 42 });
    expect(loads).toBe(1);
  });

  it('loads once across processes: the second waits on the first one’s lock', async () => {
    const other = createCache({ nodes: testRedisNodes(), keyPrefix: prefix });
    try {
      let loads = 0;
      const loader = async () => {
        loads++;
        await new Promise((r) => setTimeout(r, 300));
        return 'expensive';
      };
      const [a, b] = await Promise.all([cache.getOrLoad('report', loader, 60), other.getOrLoad('report', loader, 60)]);
      expect([a, b]).toEqual(['expensive', 'expensive']);
      expect(loads).toBe(1);
    } finally {
      await other.close();
    }
  });

  const evalCalls = () =>
    testRedisNodes()
      .map((n) => /cmdstat_eval:calls=(\d+)/.exec(redisCli(n.port, 'info', 'commandstats'))?.[1] ?? '0')
      .reduce((a, c) => a + Number(c), 0);

  it('reads keys spread over every master with one command per node', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k, i) => cache.set(k, i, 60)));
    const before = evalCalls();
    const values = await cache.getMany<number>([...keys, 'missing']);
    expect(values.slice(0, 300)).toEqual(keys.map((_, i) => i));
    expect(values[300]).toBeUndefined();
    expect(evalCalls() - before).toBe(3);
  });

  it('still reads every key when its slot map is stale (the node refuses, redirect-following reads answer)', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `stale${i}`);
    await Promise.all(keys.map((k, i) => cache.set(k, i, 60)));
    const slots = cache.client.slots;
    const owners = [...new Set(slots.map((s) => s?.[0]).filter(Boolean))] as string[];
    const saved = slots.map((s) => (s ? [...s] : s));
    // Point every slot at one master, as if the map predated a resharding.
    for (let i = 0; i < slots.length; i++) if (slots[i]) slots[i] = [owners[0] as string];
    try {
      expect(await cache.getMany<number>(keys)).toEqual(keys.map((_, i) => i));
    } finally {
      saved.forEach((s, i) => {
        if (s) slots[i] = s;
      });
    }
  });

  it('counts hits, misses and latency under the shared metric names', async () => {
    const text = await metrics.render();
    expect(text).toMatch(/cache_requests_total\{op="get",result="hit"\} [1-9]/);
    expect(text).toMatch(/cache_requests_total\{op="get",result="miss"\} [1-9]/);
    expect(text).toContain('cache_operation_duration_seconds_bucket');
  });

  it('survives a master killed under load: no hung call, getOrLoad never fails, recovery measured', async () => {
    const root = new URL('../../', import.meta.url).pathname;
    const victim = Number(
      redisCli(testRedisNodes()[0]?.port as number, 'cluster', 'nodes')
        .split('\n')
        .find((l) => / master /.test(` ${l.split(' ')[2]?.replace('myself,', '')} `) && !l.includes('fail'))
        ?.split(' ')[1]
        ?.split(':')[1]
        ?.split('@')[0],
    );
    const pidFile = `/dev/shm/nimbus-testbed/redis/${victim}/redis.pid`;
    const keys = Array.from({ length: 64 }, (_, i) => `load:${i}`);
    await Promise.all(keys.map((k) => cache.set(k, k, 300)));

    let slowest = 0;
    let getFailures = 0;
    let lastGetFailure = 0;
    let wrongValues = 0;
    let calls = 0;
    let killedAt = 0;
    const stopAt = Date.now() + 25_000;
    const worker = async () => {
      // Bounded in count and time; stops 6 s after the last failure once the kill happened.
      while (Date.now() < stopAt && calls < 200_000 && !(killedAt && lastGetFailure && Date.now() - lastGetFailure > 6_000)) {
        const key = keys[calls++ % keys.length] as string;
        const t0 = Date.now();
        try {
          await cache.get(key);
        } catch {
          getFailures++;
          lastGetFailure = Date.now();
        }
        if ((await cache.getOrLoad(key, async () => key, 300)) !== key) wrongValues++;
        slowest = Math.max(slowest, Date.now() - t0);
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 500));
    killedAt = Date.now();
    process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');
    await Promise.all(workers);
    const recoveryMs = lastGetFailure ? lastGetFailure - killedAt : 0;
    console.info(
      `failover of master :${victim}: ${calls} calls, ${getFailures} get errors, recovered ${recoveryMs} ms after the kill, slowest call ${slowest} ms`,
    );
    expect(wrongValues).toBe(0);
    expect(slowest).toBeLessThan(5_000);
    expect(getFailures).toBeGreaterThan(0);
    expect(recoveryMs).toBeLessThan(15_000);
    const info = redisCli(testRedisNodes().find((n) => n.port !== victim)?.port as number, 'cluster', 'info');
    expect(info).toContain('cluster_state:ok');
    // Bring the node back; it rejoins as a replica of the promoted one.
    expect(spawnSync('bash', ['testbed/redis.sh', 'start-node', String(victim)], { cwd: root }).status).toBe(0);
  });
});

describe('the cache with no reachable cluster at all', () => {
  it('fails fast instead of hanging, and getOrLoad serves from the loader', async () => {
    const dead = createCache({ nodes: [{ host: '127.0.0.1', port: 1 }], commandTimeoutMs: 200 });
    try {
      const t0 = Date.now();
      await expect(dead.get('x')).rejects.toThrow(/timed out|refresh|connect/i);
      expect(await dead.getOrLoad('x', async () => 'from the loader')).toBe('from the loader');
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      dead.client.disconnect();
    }
  });
});
