import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { type ErrorCode, NimbusError } from '@nimbus/model';
import type { ClusterAccess } from './kubeconfig.js';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Whether repeating the request is harmless; only then are lost connections retried. */
  idempotent?: boolean;
}

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

/** A Kubernetes `Status` failure, kept as data so callers can branch on reason and code. */
export class KubeApiError extends NimbusError {
  readonly status: number;
  readonly reason: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, status: number, reason: string | undefined, details: unknown) {
    super(code, message);
    this.status = status;
    this.reason = reason;
    this.details = details;
  }
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Before the first answer: attempts and per-request silence allowed, so an unreachable server is reported within seconds. */
const FIRST_CONTACT_ATTEMPTS = 2;
const FIRST_CONTACT_TIMEOUT_MS = 4000;

/** About 30 s of retrying in all: enough to ride out an API server restart or a leader change. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 200, maxDelayMs: 5_000 };

const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

/** Statuses worth a retry: throttling and gateway failures always, a server error only when repeating is harmless. */
function retryableStatus(status: number, idempotent: boolean): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || (status === 500 && idempotent);
}

function codeFor(status: number, message: string): ErrorCode {
  // A 403 is either RBAC (the user may not) or admission (the object may not); only the first is about credentials.
  if (status === 401 || (status === 403 && /\bcannot \w+ resource\b/.test(message))) return 'NIMBUS_KUBE_FORBIDDEN';
  if (status === 404) return 'NIMBUS_KUBE_NOT_FOUND';
  if (status >= 500 || status === 429) return 'NIMBUS_KUBE_UNREACHABLE';
  return 'NIMBUS_KUBE_REJECTED';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The typed error for a failed response whose body is (usually) a Kubernetes `Status`. */
function apiError(status: number, body: unknown, fallback: string): KubeApiError {
  const s = (typeof body === 'object' && body !== null ? body : undefined) as
    | { message?: string; reason?: string; details?: unknown }
    | undefined;
  const message = s?.message ?? fallback;
  return new KubeApiError(codeFor(status, message), message, status, s?.reason, s?.details);
}

function queryString(query: Record<string, string | number | boolean | undefined> | undefined): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) qs.set(k, String(v));
  const text = qs.toString();
  return text ? `?${text}` : '';
}

/**
 * A small HTTPS client for one API server: keep-alive connections, TLS from the
 * kubeconfig, and retries with exponential backoff and jitter on 429, 5xx and
 * lost connections (the last only for idempotent requests).
 */
export class KubeHttp {
  readonly access: ClusterAccess;
  private readonly agent: Agent | HttpAgent;
  private readonly url: URL;
  private readonly retry: RetryPolicy;
  /** The server has answered at least once: from then on a lost connection is worth the full retry policy. */
  private reached = false;

  constructor(access: ClusterAccess, options: { maxSockets?: number; retry?: RetryPolicy } = {}) {
    this.access = access;
    this.url = new URL(access.server);
    this.retry = options.retry ?? DEFAULT_RETRY;
    const common = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
    this.agent =
      this.url.protocol === 'https:'
        ? new Agent({
            ...common,
            ca: access.ca,
            cert: access.cert,
            key: access.key,
            rejectUnauthorized: !access.insecureSkipTlsVerify,
            servername: access.tlsServerName,
          })
        : new HttpAgent(common);
  }

  close(): void {
    this.agent.destroy();
  }

  /** A server never reached is not restarting: one quick retry (none after silence), then say so — not 30 s of nothing. */
  private givesUp(attempt: number, code: string): boolean {
    return !this.reached && (attempt >= FIRST_CONTACT_ATTEMPTS || code === 'ETIMEDOUT');
  }

  /**
   * Sends a request, retrying with backoff what may succeed on a second try: a
   * lost connection (idempotent requests only), 429, 502–504, and 500 for
   * idempotent requests. Fails with NIMBUS_KUBE_UNREACHABLE or the server's Status.
   */
  async send<T = unknown>(req: KubeRequest): Promise<KubeResponse<T>> {
    const idempotent = req.idempotent ?? req.method !== 'POST';
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.once(req).then(
        (res) => ({ res }),
        (err: unknown) => ({ err }),
      );
      const last = attempt >= this.retry.attempts;
      if ('err' in outcome) {
        const code = (outcome.err as NodeJS.ErrnoException).code ?? '';
        if (last || this.givesUp(attempt, code) || !idempotent || !RETRYABLE_CODES.has(code))
          throw new NimbusError(
            'NIMBUS_KUBE_UNREACHABLE',
            `${req.method} ${this.url.origin}${req.path}: ${(outcome.err as Error).message}`,
            {
              cause: outcome.err,
            },
          );
      } else if (outcome.res.status < 400) {
        this.reached = true;
        return outcome.res as KubeResponse<T>;
      } else if (last || !retryableStatus(outcome.res.status, idempotent)) {
        throw apiError(outcome.res.status, outcome.res.body, `${req.method} ${req.path} failed with HTTP ${outcome.res.status}`);
      }
      await sleep(this.backoff(attempt));
    }
  }

  /**
   * Opens a long-lived GET (a watch, followed logs) on a connection of its
   * own, outside the keep-alive pool. Resolves with the response once its
   * headers arrive, whatever the status; a failed status is for the caller to
   * read with `streamError`. Aborting `signal` closes it.
   */
  openStream(path: string, query: Record<string, string | number | boolean | undefined>, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const r = this.transport()(
        {
          ...this.target('GET', path, query, 'application/json, text/plain'),
          ca: this.access.ca,
          cert: this.access.cert,
          key: this.access.key,
          rejectUnauthorized: !this.access.insecureSkipTlsVerify,
          servername: this.access.tlsServerName,
          signal,
        },
        resolve,
      );
      r.on('error', (err) => reject(new NimbusError('NIMBUS_KUBE_UNREACHABLE', `GET ${path}: ${err.message}`, { cause: err })));
      r.end();
    });
  }

  /** The typed error of a stream that opened with a failed status (its body is the `Status`). */
  async streamError(path: string, res: IncomingMessage): Promise<KubeApiError> {
    let text = '';
    for await (const chunk of res) text += String(chunk);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const code = res.statusCode ?? 0;
    return apiError(code, body, `GET ${path} failed with HTTP ${code}`);
  }

  /** node:https's request, or node:http's for a plain-HTTP server (which ignores the TLS options). */
  private transport(): typeof httpsRequest {
    return this.url.protocol === 'https:' ? httpsRequest : (httpRequest as typeof httpsRequest);
  }

  /** Where a request goes on this API server (a server URL may carry a path prefix) and its common headers. */
  private target(
    method: KubeRequest['method'],
    path: string,
    query: Record<string, string | number | boolean | undefined> | undefined,
    accept: string,
  ) {
    const headers: Record<string, string> = { Accept: accept, 'User-Agent': 'nimbus/0.1.0' };
    if (this.access.token) headers.Authorization = `Bearer ${this.access.token}`;
    return {
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port,
      path: `${this.url.pathname.replace(/\/$/, '')}${path}${queryString(query)}`,
      method,
      headers,
    };
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return exp / 2 + Math.random() * (exp / 2);
  }

  private once(req: KubeRequest): Promise<KubeResponse<unknown>> {
    const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const target = this.target(req.method, req.path, req.query, req.accept ?? 'application/json');
    if (payload !== undefined) {
      target.headers['Content-Type'] = req.contentType ?? 'application/json';
      target.headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const r = this.transport()({ ...target, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          // Some endpoints (OpenAPI v3) answer JSON without saying so.
          if (text && ((res.headers['content-type'] ?? '').includes('json') || /^\s*[{[]/.test(text))) {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      // Until the server has answered once, silence means it is not there: a short timeout.
      r.setTimeout(this.reached ? 60_000 : FIRST_CONTACT_TIMEOUT_MS, () =>
        r.destroy(Object.assign(new Error(this.reached ? 'request timed out' : 'no answer'), { code: 'ETIMEDOUT' })),
      );
      r.on('error', reject);
      if (payload !== undefined) r.write(payload);
      r.end();
    });
  }
}
