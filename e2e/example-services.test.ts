import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisNodes } from '../test/integration/testbed.js';

const root = new URL('../', import.meta.url).pathname;
const base = 18_000 + Math.floor(Math.random() * 2000);
const ports = { api: base, web: base + 1, worker: base + 2 };

interface Running {
  proc: ChildProcess;
  lines: string[];
}

function start(service: 'api' | 'web' | 'worker', env: Record<string, string>): Running {
  const proc = spawn(process.execPath, [`examples/shop/${service}/server.js`], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NIMBUS_APP: 'shop',
      NIMBUS_SERVICE: service,
      PORT: String(ports[service]),
      SHUTDOWN_DRAIN_MS: '200',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  proc.stdout?.on('data', (c) => lines.push(...String(c).split('\n').filter(Boolean)));
  proc.stderr?.on('data', (c) => lines.push(...String(c).split('\n').filter(Boolean)));
  return { proc, lines };
}

async function ready(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`service on ${port} did not start`);
}

describe('the example shop services, built on the runtime SDK, as real processes', () => {
  const running: Record<string, Running> = {};
  beforeAll(async () => {
    const redis = testRedisNodes()[0];
    running.api = start('api', { REDIS_URL: `redis://${redis?.host}:${redis?.port}`, DATABASE_PASSWORD: 'p4ssw0rd-never-logged' });
    running.web = start('web', { API_URL: `http://127.0.0.1:${ports.api}` });
    running.worker = start('worker', { INTERVAL_MS: '100' });
    await Promise.all(Object.values(ports).map(ready));
  }, 30_000);
  afterAll(() => {
    for (const r of Object.values(running)) if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
  });

  it('serves the front end through the API and its Redis-cached catalogue', async () => {
    const page = await (await fetch(`http://127.0.0.1:${ports.web}/`)).text();
    expect(page).toContain('Moka pot — 39.00 €');
    for (let i = 0; i < 5; i++) expect((await fetch(`http://127.0.0.1:${ports.api}/products/2`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.api}/ready`)).status).toBe(200);
  });

  it('exposes metrics labelled by service and route template', async () => {
    const api = await (await fetch(`http://127.0.0.1:${ports.api}/metrics`)).text();
    expect(api).toMatch(/http_requests_total\{method="GET",route="\/products\/:id",status="200",service="api"\} [5-9]/);
    expect(api).toMatch(/cache_requests_total\{op="get",result="hit",service="api"\} [1-9]/);
    await new Promise((r) => setTimeout(r, 300));
    const worker = await (await fetch(`http://127.0.0.1:${ports.worker}/metrics`)).text();
    expect(worker).toMatch(/worker_jobs_total\{outcome="done",service="worker"\} [1-9]/);
  });

  it('logs valid JSON lines without the secret, and shuts down cleanly on SIGTERM', async () => {
    const exits = Object.entries(running).map(
      ([name, r]) =>
        new Promise<[string, number | null, number]>((resolve) => {
          const t0 = Date.now();
          r.proc.once('exit', (code) => resolve([name, code, Date.now() - t0]));
          r.proc.kill('SIGTERM');
        }),
    );
    const results = await Promise.all(exits);
    for (const [name, code, ms] of results) {
      expect(code, name).toBe(0);
      expect(ms, name).toBeLessThan(10_000);
    }
    const apiLines = running.api?.lines ?? [];
    expect(apiLines.length).toBeGreaterThan(3);
    for (const l of apiLines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(apiLines.join('\n')).not.toContain('p4ssw0rd-never-logged');
    expect(apiLines.some((l) => JSON.parse(l).message === 'shut down')).toBe(true);
  });
});
