// Runs a few commands through the one-file CLI, in this process, then writes V8's code cache
// for it: the cache then holds what those commands compiled (loading, rendering, checking,
// formatting), not only the bundle's top level. Called by scripts/bundle-cli.mjs with the
// bundle's path and the repository root. CommonJS and flag-free, like the `nimbus` command
// that reads the cache: V8 rejects a cache made under other flags.
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { tmpdir } = require('node:os');
const { dirname, join } = require('node:path');
const { Writable } = require('node:stream');
const { Script } = require('node:vm');

const [bundle, root] = process.argv.slice(2);
const source = readFileSync(bundle, 'latin1');
const buildId = /^\/\*nimbus-build:([0-9a-f]{16})\*\//.exec(source)?.[1];
if (!buildId) throw new Error(`${bundle} does not start with its build id`);
const script = new Script(wrap(source), { filename: bundle });
const module_ = { exports: {} };
script.runInThisContext()(module_.exports, createRequire(bundle), module_, bundle, dirname(bundle));
const { main } = module_.exports;

const collector = () => {
  const chunks = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
};

async function run(argv) {
  const out = collector();
  const err = collector();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, cwd: root, env: {}, stdin: () => process.stdin });
  if (code !== 0 && code !== 1) throw new Error(`nimbus ${argv.join(' ')} exited ${code}: ${err.text()}`);
  return out.text();
}

(async () => {
  const work = mkdtempSync(join(tmpdir(), 'nimbus-train-'));
  try {
    const t0 = performance.now();
    await run(['--help']);
    await run(['check', '--help']);
    await run(['version']);
    const manifests = join(work, 'shop.yaml');
    writeFileSync(manifests, await run(['render', 'examples/shop']));
    await run(['render', 'examples/shop', '-o', 'json']);
    for (const format of ['text', 'json']) {
      await run(['check', '-f', manifests, '-o', format]);
      await run(['check', 'examples/shop', '-o', format]);
    }
    await run(['explain']);
    await run(['explain', 'container-image-tag']);
    // Headed by the build id the command compares before it hands the rest to V8.
    writeFileSync(`${bundle}.cache`, Buffer.concat([Buffer.from(`nimbus-cache:${buildId}\n`, 'latin1'), script.createCachedData()]));
    console.log(`code cache for the CLI from its commands on the example (${Math.round(performance.now() - t0)} ms)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
