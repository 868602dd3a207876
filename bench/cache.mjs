// Cache benchmark against the testbed's Redis Cluster (started if needed):
// getOrLoad hits versus raw ioredis Cluster GETs with the same concurrency in
// the same run, and batched reads (getMany, one pipeline per slot owner).
import { spawnSync } from 'node:child_process';
import { createCache } from '@nimbus/runtime';
import { Cluster } from 'ioredis';

const root = new URL('../', import.meta.url).pathname;
const list =
  process.env.NIMBUS_TEST_REDIS_NODES ??
  spawnSync('bash', ['testbed/redis.sh'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).stdout.trim();
const nodes = list.split(',').map((hp) => ({ host: hp.split(':')[0], port: Number(hp.split(':')[1]) }));
const KEYS = 1000;
const CONCURRENCY = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

const cache = createCache({ nodes, keyPrefix: 'bench:' });
const raw = new Cluster(nodes, { scaleReads: 'master' });
const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
await Promise.all(keys.map((k) => cache.set(k, { k }, 600)));

async function measure(op, seconds) {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; Date.now() < end; i += CONCURRENCY) {
        await op(keys[i % KEYS]);
        n++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { ops: n, cpuUs: cpu.user + cpu.system };
}

// Many short alternating rounds, in a random order each time, so machine
// noise (three Redis masters share the two cores with this process) hits both alike.
const ROUNDS = 2 * Math.max(2, Math.round(SECONDS / 0.5));
const totals = { raw: { ops: 0, cpuUs: 0 }, ours: { ops: 0, cpuUs: 0 }, rawDecoded: { ops: 0, cpuUs: 0 } };
const ops = {
  raw: (k) => raw.get(`bench:${k}`),
  ours: (k) => cache.getOrLoad(k, async () => ({ k }), 600),
  // Reference: what decoding the cached JSON alone costs on top of the raw get.
  rawDecoded: (k) => raw.get(`bench:${k}`).then((v) => JSON.parse(v)),
};
for (let r = 0; r < ROUNDS / 2; r++) {
  for (const mode of Object.keys(ops).sort(() => Math.random() - 0.5)) {
    const m = await measure(ops[mode], 0.5);
    totals[mode].ops += m.ops;
    totals[mode].cpuUs += m.cpuUs;
  }
}
const seconds = (ROUNDS / 2) * 0.5;
const rawRate = totals.raw.ops / seconds;
const ourRate = totals.ours.ops / seconds;
console.log(`cache: Redis Cluster (3 masters) on loopback, ${CONCURRENCY} concurrent callers, ${ROUNDS} alternating rounds`);
console.log(
  `  raw ioredis Cluster get: ${Math.round(rawRate).toLocaleString('en-US')} ops/s; getOrLoad hit: ${Math.round(ourRate).toLocaleString('en-US')} ops/s -> ${((ourRate / rawRate) * 100).toFixed(1)} %`,
);
const decodedRate = totals.rawDecoded.ops / seconds;
console.log(
  `  client CPU per call: raw ${(totals.raw.cpuUs / totals.raw.ops).toFixed(2)} µs, getOrLoad hit ${(totals.ours.cpuUs / totals.ours.ops).toFixed(2)} µs`,
);
console.log(
  `  reference, raw get + JSON.parse of the value: ${Math.round(decodedRate).toLocaleString('en-US')} ops/s, ${(totals.rawDecoded.cpuUs / totals.rawDecoded.ops).toFixed(2)} µs/call -> getOrLoad is ${((ourRate / decodedRate) * 100).toFixed(1)} % of it`,
);

const BATCH = 500;
let batched = 0;
const end = Date.now() + SECONDS * 1000;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (Date.now() < end) {
      const start = Math.floor(Math.random() * (KEYS - BATCH));
      await cache.getMany(keys.slice(start, start + BATCH));
      batched += BATCH;
    }
  }),
);
console.log(`  batched getMany (${BATCH} keys, one command per master): ${Math.round(batched / SECONDS).toLocaleString('en-US')} ops/s`);
await cache.close();
raw.disconnect();
