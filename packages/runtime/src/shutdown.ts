import type { Server } from 'node:http';
import type { Health } from './health.js';
import type { Logger } from './logger.js';

export interface ShutdownOptions {
  servers: Server[];
  health?: Health;
  logger?: Logger;
  /** The pod's terminationGracePeriodSeconds in ms (Nimbus renders 30 s). Everything finishes before it. */
  gracePeriodMs?: number;
  /** How long to keep serving while endpoints drop the pod after readiness fails. */
  drainDelayMs?: number;
  /** Resources to close last (caches, pools), in order. */
  close?: (() => Promise<unknown> | unknown)[];
  /** Exit the process at the end (default true; tests pass false). */
  exit?: boolean;
  signals?: NodeJS.Signals[];
}

export interface Shutdown {
  /** Runs the shutdown now; resolves when everything is closed. */
  run(reason?: string): Promise<void>;
  /** Requests currently being served. */
  inFlight(): number;
}

/**
 * Graceful shutdown on SIGTERM: fail readiness, keep serving for the drain
 * delay while endpoints update, stop accepting, let in-flight requests finish,
 * close resources, exit — all within the grace period, so the kubelet never
 * has to SIGKILL.
 */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const grace = options.gracePeriodMs ?? 30_000;
  const drainDelay = Math.min(options.drainDelayMs ?? 5_000, grace / 4);
  let active = 0;
  for (const s of options.servers) {
    s.on('request', (_req, res) => {
      active++;
      res.once('close', () => active--);
    });
  }
  let running: Promise<void> | undefined;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

  /** Stops accepting, lets requests in flight finish until shortly before the deadline, then cuts what is left. */
  const drainServers = async (deadline: number) => {
    for (const s of options.servers) {
      s.close();
      s.closeIdleConnections();
    }
    while (active > 0 && Date.now() < deadline - 2_000) await sleep(50);
    if (active > 0) options.logger?.warn('grace period ending with requests in flight', { inFlight: active });
    for (const s of options.servers) s.closeAllConnections();
  };
  /** Closes pools and clients in order, none allowed past the deadline; a failure is logged, not thrown. */
  const closeResources = async (deadline: number) => {
    for (const close of options.close ?? []) {
      try {
        await Promise.race([close(), sleep(Math.max(0, deadline - Date.now()))]);
      } catch (err) {
        options.logger?.logError(err, { during: 'shutdown' });
      }
    }
  };

  const run = (reason = 'shutdown') => {
    running ??= (async () => {
      const deadline = Date.now() + grace - 1_000;
      options.logger?.info('shutting down', { reason, inFlight: active, gracePeriodMs: grace });
      options.health?.beginShutdown();
      await sleep(drainDelay);
      await drainServers(deadline);
      await closeResources(deadline);
      options.logger?.info('shut down', { reason });
      if (options.exit !== false) process.exit(0);
    })();
    return running;
  };
  for (const sig of options.signals ?? ['SIGTERM', 'SIGINT']) process.once(sig, () => void run(sig));
  return { run, inFlight: () => active };
}
