import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { LineWriter } from './line-writer.js';

export interface LoggerOptions {
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** Fields on every line, e.g. { service: 'api', version: '1.4.2' }. */
  base?: Record<string, string>;
  /** Where lines go, as a stream; default stdout (12-factor: logs are a stream). */
  stream?: DestinationStream;
  /** Or as a file descriptor or path, written through the SDK's buffered writer (default 1, stdout). */
  destination?: number | string;
  /** Extra field paths to redact, beside the built-in secret-looking ones. */
  redact?: string[];
  /** Log only this fraction of successful requests (errors are always logged). */
  requestSampleRate?: number;
}

export interface RequestLog {
  method: string;
  path: string;
  route?: string;
  status: number;
  durationMs: number;
  requestId?: string;
  traceId?: string;
  spanId?: string;
  userId?: string;
}

export interface Logger {
  readonly pino: PinoLogger;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  /** The seed's `log_request`: one line per request, with its ids (successful ones subject to sampling). */
  logRequest(entry: RequestLog): void;
  /** The sampling decision alone, so middleware builds an entry only for lines that will be written. */
  requestLineWanted(status: number): boolean;
  /** Writes a request line without sampling it again. */
  writeRequestLine(entry: RequestLog): void;
  /** The seed's `log_error`: the error with its type, stack and context. */
  logError(error: unknown, context?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const SECRET_PATHS = [
  'password',
  'token',
  'secret',
  'authorization',
  'apiKey',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.apiKey',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

const LEVEL_VALUE = { info: 30, warn: 40, error: 50 } as const;
const SECRET_KEYS = new Set(['password', 'token', 'secret', 'authorization', 'apikey', 'cookie']);
// Characters JSON needs escaped (and lone surrogates, which JSON.stringify escapes safely).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** `"k":v,` for fields every line carries, with secret-looking keys censored like pino's redaction. */
function fieldPrefix(fields: Record<string, unknown>): string {
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out += `${JSON.stringify(k)}:${SECRET_KEYS.has(k.toLowerCase()) ? '"[redacted]"' : (JSON.stringify(v) ?? 'null')},`;
  }
  return out;
}

let clockMs = 0;
let clockIso = '';
/** ISO timestamps are formatted at most once per millisecond; request lines come far more often. */
function isoNow(): string {
  const now = Date.now();
  if (now !== clockMs) {
    clockMs = now;
    clockIso = new Date(now).toISOString();
  }
  return clockIso;
}

/**
 * JSON lines `{timestamp, level, message, ...fields}`, always valid JSON (the
 * seed encoded its message twice), secrets redacted, and never throwing on the
 * hot path: a logging failure must not fail a request.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.stream ?? LineWriter.open(options.destination ?? 1);
  const base = pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? null,
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${isoNow()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...SECRET_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
    },
    destination,
  );
  return wrap(base, { destination, sampleRate: options.requestSampleRate ?? 1, bound: { ...options.base } });
}

interface RequestLineWriter {
  destination: DestinationStream;
  sampleRate: number;
  /** Base fields and child bindings, which request lines carry like every other line. */
  bound: Record<string, unknown>;
}

/**
 * Request lines have a fixed shape, so they are formatted directly instead of
 * going through pino's generic serialiser and redaction (several times the
 * cost of the request itself); the query string never reaches them.
 */
function requestLines(p: PinoLogger, w: RequestLineWriter) {
  const prefix = fieldPrefix(w.bound);
  const levelOf = (status: number) => (status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info');
  const wanted = (status: number): boolean => {
    const level = levelOf(status);
    if (p.levelVal > LEVEL_VALUE[level]) return false;
    return level !== 'info' || w.sampleRate >= 1 || Math.random() < w.sampleRate;
  };
  const write = (entry: RequestLog): void => {
    let line = `{"level":"${levelOf(entry.status)}","timestamp":"${isoNow()}",${prefix}"message":"request","method":${jsonString(entry.method)},"path":${jsonString(entry.path)}`;
    if (entry.route !== undefined) line += `,"route":${jsonString(entry.route)}`;
    line += `,"status":${entry.status | 0},"durationMs":${Math.round(entry.durationMs * 1000) / 1000}`;
    if (entry.requestId !== undefined) line += `,"requestId":${jsonString(entry.requestId)}`;
    if (entry.traceId !== undefined) line += `,"traceId":${jsonString(entry.traceId)}`;
    if (entry.spanId !== undefined) line += `,"spanId":${jsonString(entry.spanId)}`;
    if (entry.userId !== undefined) line += `,"userId":${jsonString(entry.userId)}`;
    try {
      w.destination.write(`${line}}\n`);
    } catch {
      // A log line is never worth a failed request.
    }
  };
  return { wanted, write, log: (entry: RequestLog) => wanted(entry.status) && write(entry) };
}

function requestMethods(lines: ReturnType<typeof requestLines>) {
  return {
    logRequest: (entry: RequestLog) => {
      lines.log(entry);
    },
    requestLineWanted: lines.wanted,
    writeRequestLine: lines.write,
  };
}

function wrap(p: PinoLogger, w: RequestLineWriter): Logger {
  const safe =
    (level: 'info' | 'warn' | 'error' | 'debug') =>
    (message: string, fields?: Record<string, unknown>): void => {
      try {
        if (fields) p[level](fields, message);
        else p[level](message);
      } catch {
        // A log line is never worth a failed request.
      }
    };
  return {
    pino: p,
    info: safe('info'),
    warn: safe('warn'),
    error: safe('error'),
    debug: safe('debug'),
    ...requestMethods(requestLines(p, w)),
    logError(error, context) {
      const e = error instanceof Error ? error : new Error(String(error));
      safe('error')(e.message, { error: { type: e.name, message: e.message, stack: e.stack }, ...context });
    },
    child: (fields) => wrap(p.child(fields), { ...w, bound: { ...w.bound, ...fields } }),
  };
}
