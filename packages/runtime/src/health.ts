import type { IncomingMessage, ServerResponse } from 'node:http';

/** The paths and port Nimbus renders probes for by default. */
export const HEALTH_PATHS = { startup: '/health', liveness: '/health', readiness: '/ready' } as const;

export interface HealthCheckOptions {
  /** A failing critical check makes the pod unready; others are only reported. */
  critical?: boolean;
  timeoutMs?: number;
}

export interface HealthReport {
  status: 'ok' | 'starting' | 'unready' | 'stopping';
  checks: Record<string, { ok: boolean; error?: string; ms: number }>;
}

export interface Health {
  addCheck(name: string, check: () => Promise<unknown> | unknown, options?: HealthCheckOptions): void;
  /** Startup done: liveness and readiness may pass from now on. */
  markStarted(): void;
  /** Shutdown begun: readiness fails so endpoints drop the pod; liveness keeps passing. */
  beginShutdown(): void;
  readiness(): Promise<HealthReport>;
  /** Answers the probe paths; returns false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * Probe endpoints matching the rendered probes: /health for startup and
 * liveness (the process is up; it never checks dependencies, so a slow
 * database cannot cause restarts), /ready for readiness (started, not
 * stopping, and every critical check passing).
 */
/** The path of a probe request (GET or HEAD on a health path), or undefined for everything else. */
function probePath(url: string, method: string | undefined): string | undefined {
  // Most requests are not probes: decide on the first characters before allocating anything.
  if (!url.startsWith(HEALTH_PATHS.liveness) && !url.startsWith(HEALTH_PATHS.readiness)) return undefined;
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function createHealth(): Health {
  const checks = new Map<string, { run: () => Promise<unknown> | unknown; critical: boolean; timeoutMs: number }>();
  let started = false;
  let stopping = false;

  const runCheck = async (c: { run: () => Promise<unknown> | unknown; timeoutMs: number }) => {
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(c.run),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${c.timeoutMs} ms`)), c.timeoutMs);
        }),
      ]);
      return { ok: true, ms: Math.round(performance.now() - t0) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err), ms: Math.round(performance.now() - t0) };
    } finally {
      clearTimeout(timer);
    }
  };

  const readiness = async (): Promise<HealthReport> => {
    const results: HealthReport['checks'] = {};
    await Promise.all([...checks].map(async ([name, c]) => (results[name] = await runCheck(c))));
    const failing = [...checks].some(([name, c]) => c.critical && !results[name]?.ok);
    const status = stopping ? 'stopping' : !started ? 'starting' : failing ? 'unready' : 'ok';
    return { status, checks: results };
  };

  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  return {
    addCheck(name, check, options = {}) {
      checks.set(name, { run: check, critical: options.critical ?? true, timeoutMs: options.timeoutMs ?? 1000 });
    },
    markStarted() {
      started = true;
    },
    beginShutdown() {
      stopping = true;
    },
    readiness,
    handle(req, res) {
      const path = probePath(req.url ?? '', req.method);
      if (path === HEALTH_PATHS.liveness) {
        send(res, started ? 200 : 503, { status: started ? 'ok' : 'starting' });
        return true;
      }
      if (path === HEALTH_PATHS.readiness) {
        void readiness().then((r) => send(res, r.status === 'ok' ? 200 : 503, r));
        return true;
      }
      return false;
    },
  };
}
