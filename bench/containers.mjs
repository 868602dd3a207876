// Container benchmark on the testbed's Docker engine (started if needed): scan
// time of an image with a few hundred packages, and image build time cold
// (no layer cache) versus warm (a source change after the dependency layer).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchAdvisories } from '@nimbus/check';
import { DockerManager, inventoryImage } from '@nimbus/docker';

const root = new URL('../', import.meta.url).pathname;
const host =
  process.env.NIMBUS_TEST_DOCKER_HOST ??
  spawnSync('bash', ['testbed/docker.sh'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).stdout.trim();
const docker = new DockerManager({ host });
const tag = `nimbus-bench/scan:${Date.now().toString(36)}`;
const ctx = mkdtempSync(join(tmpdir(), 'nimbus-bench-img-'));

// 300 dpkg packages and 200 npm packages.
writeFileSync(
  join(ctx, 'status'),
  Array.from({ length: 300 }, (_, i) => `Package: pkg${i}\nStatus: install ok installed\nVersion: 1.${i}.0-1~deb12u1\n`).join('\n'),
);
for (let i = 0; i < 200; i++) {
  mkdirSync(join(ctx, `node_modules/mod${i}`), { recursive: true });
  writeFileSync(join(ctx, `node_modules/mod${i}/package.json`), JSON.stringify({ name: `mod${i}`, version: `2.${i}.0` }));
}
writeFileSync(join(ctx, 'app.txt'), 'v1');
writeFileSync(
  join(ctx, 'Dockerfile'),
  'FROM nimbus-test/busybox:1.35\nCOPY status /var/lib/dpkg/status\nCOPY node_modules /app/node_modules\nRUN sleep 1 && echo dependencies installed > /app/deps.txt\nCOPY app.txt /app/app.txt\nUSER 10001\n',
);
const timed = async (fn) => {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
};
spawnSync('docker', ['-H', host, 'builder', 'prune', '-af'], { stdio: 'ignore' });
spawnSync('docker', ['-H', host, 'image', 'rm', '-f', tag], { stdio: 'ignore' });
// Cold: no layer of this build may come from a cache, whatever earlier runs left on the engine.
const cold = await timed(() => docker.buildImage({ context: ctx, tag, noCache: true }));
writeFileSync(join(ctx, 'app.txt'), 'v2');
const warm = await timed(() => docker.buildImage({ context: ctx, tag }));
const advisories = Array.from({ length: 500 }, (_, i) => ({
  id: `TEST-${i}`,
  database_specific: { severity: 'HIGH' },
  affected: [
    {
      package: { ecosystem: i % 2 ? 'npm' : 'Debian', name: i % 2 ? `mod${i % 200}` : `pkg${i % 300}` },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '9.0.0' }] }],
    },
  ],
}));
const scan = await timed(async () => matchAdvisories(await inventoryImage(docker.docker, tag), advisories));
// Every large executable is streamed through the Go build-info scanner: the cost on an image holding a 100 MB one.
const nodeImage = 'nimbus-test/node:20';
const big = (await docker.imageExists(nodeImage)) ? await timed(() => inventoryImage(docker.docker, nodeImage)) : undefined;
console.log('containers: Docker engine on loopback (testbed)');
console.log(
  `  build cold (no layer cache): ${(cold.ms / 1000).toFixed(2)} s; warm rebuild after a source change: ${(warm.ms / 1000).toFixed(2)} s -> ${(cold.ms / warm.ms).toFixed(1)}x faster`,
);
console.log(`  scan of ${500} packages against ${advisories.length} advisories: ${scan.ms.toFixed(0)} ms (${scan.result.length} matches)`);
if (big)
  console.log(
    `  inventory of ${nodeImage} (exported and read, its 99 MB Node executable searched for Go build info): ${big.ms.toFixed(0)} ms`,
  );
spawnSync('docker', ['-H', host, 'image', 'rm', '-f', tag], { stdio: 'ignore' });
rmSync(ctx, { recursive: true, force: true });
