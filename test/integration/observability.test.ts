import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApp } from '@nimbus/model';
import { grafanaDashboard, resolveApp, serviceRules, toYaml } from '@nimbus/render';
import { type Cache, createCache, createMetrics, createRouteMatcher, instrumentHandler } from '@nimbus/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisNodes } from './testbed.js';

const root = new URL('../../', import.meta.url).pathname;
const app = resolveApp(loadApp([{ file: 'nimbus.yaml', text: readFileSync(join(root, 'examples/shop/nimbus.yaml'), 'utf8') }]).spec);
const PORT = 9190;

/** Requests on loopback, a checkout in four, until `going()` says stop or the deadline passes. */
async function boundedLoad(base: string, until: number, going: () => boolean): Promise<void> {
  for (let i = 0; going() && Date.now() < until; i++) {
    const checkout = i % 4 === 0;
    await fetch(`${base}${checkout ? '/checkout' : `/products/${i}`}`, { method: checkout ? 'POST' : 'GET' }).catch(() => undefined);
    if (i % 20 === 0) await new Promise((r) => setTimeout(r, 10));
  }
}

describe('dashboards and rules against a real Prometheus scraping a service built on the SDK', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-prom-'));
  let server: Server;
  let cache: Cache;
  let prometheus = '';
  let loading = true;
  let load: Promise<void>;

  beforeAll(async () => {
    // The "api" service: real HTTP routes, some failures, cache reads through Redis Cluster.
    const metrics = createMetrics({ service: 'api' });
    cache = createCache({ nodes: testRedisNodes(), keyPrefix: `obs${Date.now()}:`, metrics });
    const route = createRouteMatcher(['/products/:id', '/checkout']);
    server = createServer(
      instrumentHandler(
        { metrics },
        async (req, res) => {
          const r = route(req.url ?? '');
          if (r === '/checkout') {
            res.statusCode = Math.random() < 0.2 ? 500 : 201;
            return res.end();
          }
          const id = (req.url ?? '').split('/').pop() ?? '0';
          res.end(JSON.stringify(await cache.getOrLoad(`product:${Number(id) % 5}`, async () => ({ id }), 60)));
        },
        (req) => route(req.url ?? ''),
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const target = `127.0.0.1:${(server.address() as { port: number }).port}`;
    writeFileSync(join(dir, 'rules.yaml'), toYaml({ groups: serviceRules(app).groups }));
    writeFileSync(
      join(dir, 'prometheus.yaml'),
      toYaml({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [join(dir, 'rules.yaml')],
        scrape_configs: [{ job_name: 'api', static_configs: [{ targets: [target] }] }],
      }),
    );
    prometheus = execFileSync('bash', ['testbed/prometheus.sh', 'start', join(dir, 'prometheus.yaml'), String(PORT)], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    const base = `http://${target}`;
    // Bounded load on loopback: stops when the test ends or after 60 s.
    load = boundedLoad(base, Date.now() + 60_000, () => loading);
  }, 120_000);

  afterAll(async () => {
    loading = false;
    await load;
    spawnSync('bash', ['testbed/prometheus.sh', 'stop', String(PORT)], { cwd: root });
    await new Promise((r) => server?.close(r));
    await cache?.close();
  });

  it('the rules file passes promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('every dashboard and rule expression for the service returns data', async () => {
    const query = async (expr: string) => {
      const res = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; data: { result: unknown[] } };
      expect(body.status, expr).toBe('success');
      return body.data.result;
    };
    const dashboard = grafanaDashboard(app) as { panels: { targets?: { expr: string }[] }[] };
    const dashboardExprs = dashboard.panels
      .flatMap((p) => p.targets ?? [])
      .map((t) => t.expr)
      .filter((e) => e.includes('service="api"'));
    const ruleExprs = serviceRules(app)
      .alerts.filter((a) => a.query.includes('service="api"'))
      .map((a) => a.query);
    const records = ['service:http_requests:rate5m', 'service:http_request_errors:ratio5m', 'service:http_request_duration_seconds:p99_5m'];
    expect(dashboardExprs.length).toBeGreaterThanOrEqual(8);
    const all = [...new Set([...dashboardExprs, ...ruleExprs])];
    const deadline = Date.now() + 60_000;
    let missing = all;
    while (Date.now() < deadline) {
      const empty: string[] = [];
      for (const e of [...all, ...records]) if ((await query(e)).length === 0) empty.push(e);
      missing = empty;
      if (missing.length === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(missing).toEqual([]);
  }, 120_000);
});
