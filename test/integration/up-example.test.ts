import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../packages/cli/test/helpers.js';
import { testDockerHost } from './testbed.js';

const root = new URL('../../', import.meta.url).pathname;
const shop = `${root}examples/shop`;
// The engine cannot pull: the example's Dockerfiles take their Node base as a build argument.
const upArgs = () => ['up', '--env', 'dev', '--build-arg', 'RUNTIME_IMAGE=nimbus-test/node:20', '--docker-host', testDockerHost()];

function httpText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('nimbus up of the example shop on the local engine', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [`${shop}/bundle.mjs`], { stdio: 'pipe' });
  });
  afterAll(async () => {
    await runCli(['down', '--docker-host', testDockerHost()], shop);
  });

  it('builds the three SDK services, starts Redis as a one-node cluster, and every readiness probe passes', async () => {
    const up = await runCli([...upArgs(), '-o', 'json', '--timeout', '90'], shop);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('started resource cache (redis:7, one-node cluster)');
    expect(up.stderr).toContain('resource db (postgres) not started: no local image');
    const table = JSON.parse(up.stdout) as { service: string; ports: string[]; ready: boolean }[];
    // Dependencies first: web needs the api.
    expect(table.map((t) => t.service)).toEqual(['api', 'web', 'worker']);
    expect(table.every((t) => t.ready)).toBe(true);
    const port = (svc: string) =>
      table
        .find((t) => t.service === svc)
        ?.ports[0]?.split(':')[1]
        ?.split('-')[0];

    // web -> api over the app network, by the service name the spec uses.
    const page = await httpText(`http://127.0.0.1:${port('web')}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Espresso cup');

    // The api's cluster client works against the container: a miss, then a hit.
    for (let i = 0; i < 2; i++) expect((await httpText(`http://127.0.0.1:${port('api')}/products/2`)).body).toContain('Moka pot');
    const metrics = (await httpText(`http://127.0.0.1:${port('api')}/metrics`)).body;
    expect(metrics).toMatch(/cache_requests_total\{op="get",result="hit",service="api"\} [1-9]/);
    const ready = JSON.parse((await httpText(`http://127.0.0.1:${port('api')}/ready`)).body);
    expect(ready).toMatchObject({ status: 'ok', checks: { cache: { ok: true } } });
  });

  it("follows every service's output, prefixed by name, until interrupted; down removes it all", async () => {
    const cli = spawn(process.execPath, [`${root}packages/cli/bin/nimbus.cjs`, ...upArgs(), '--follow'], {
      cwd: shop,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    cli.stdout.on('data', (c) => (out += c));
    cli.stderr.on('data', (c) => (err += c));
    const waitFor = async (pattern: RegExp, ms: number) => {
      const deadline = Date.now() + ms;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return pattern.exec(out) as RegExpExecArray;
    };
    try {
      const apiPort = (await waitFor(/^api\s+127\.0\.0\.1:(\d+)->8080/m, 90_000))[1];
      await waitFor(/^worker \| .*"message":"listening"/m, 30_000);
      await httpText(`http://127.0.0.1:${apiPort}/products/3`);
      const line = (await waitFor(/^api {4}\| (.*"path":"\/products\/3".*)$/m, 30_000))[1] as string;
      expect(JSON.parse(line)).toMatchObject({ service: 'api', route: '/products/:id', status: 200 });
    } finally {
      cli.kill('SIGINT');
    }
    const [code] = await once(cli, 'exit');
    expect(code).toBe(0);

    const down = await runCli(['down', '--docker-host', testDockerHost()], shop);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('shop: removed 4 containers');
  });
});
