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

async function measure(op) {
  let n = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = w; Date.now() < end; i += CONCURRENCY) {
        await op(keys[i % KEYS]);
        n++;
      }
    }),
  );
  return n / SECONDS;
}

// Interleave the two so machine noise hits both alike.
const rounds = [];
for (let r = 0; r < 2; r++) {
  rounds.push({
    raw: await measure((k) => raw.get(`bench:${k}`)),
    ours: await measure((k) => cache.getOrLoad(k, async () => ({ k }), 600)),
  });
}
const rawRate = rounds.reduce((a, r) => a + r.raw, 0) / rounds.length;
const ourRate = rounds.reduce((a, r) => a + r.ours, 0) / rounds.length;
console.log(`cache: Redis Cluster (3 masters) on loopback, ${CONCURRENCY} concurrent callers`);
console.log(
  `  raw ioredis Cluster get: ${Math.round(rawRate).toLocaleString('en-US')} ops/s; getOrLoad hit: ${Math.round(ourRate).toLocaleString('en-US')} ops/s -> ${((ourRate / rawRate) * 100).toFixed(1)} %`,
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
console.log(`  batched getMany (${BATCH} keys, one pipeline per master): ${Math.round(batched / SECONDS).toLocaleString('en-US')} ops/s`);
await cache.close();
raw.disconnect();
