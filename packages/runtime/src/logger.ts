import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

export interface LoggerOptions {
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** Fields on every line, e.g. { service: 'api', version: '1.4.2' }. */
  base?: Record<string, string>;
  /** Where lines go; default stdout (12-factor: logs are a stream). */
  stream?: DestinationStream;
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
  /** The seed's `log_request`: one line per request, with its ids. */
  logRequest(entry: RequestLog): void;
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

/**
 * JSON lines `{timestamp, level, message, ...fields}`, always valid JSON (the
 * seed encoded its message twice), secrets redacted, and never throwing on the
 * hot path: a logging failure must not fail a request.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const base = pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? null,
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...SECRET_PATHS, ...(options.redact ?? [])], censor: '[redacted]' },
    },
    options.stream ?? pino.destination({ dest: 1, sync: false }),
  );
  return wrap(base, options.requestSampleRate ?? 1);
}

function wrap(p: PinoLogger, sampleRate: number): Logger {
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
    logRequest(entry) {
      if (entry.status < 400 && sampleRate < 1 && Math.random() >= sampleRate) return;
      const level = entry.status >= 500 ? 'error' : entry.status >= 400 ? 'warn' : 'info';
      safe(level)('request', { ...entry, durationMs: Math.round(entry.durationMs * 1000) / 1000 });
    },
    logError(error, context) {
      const e = error instanceof Error ? error : new Error(String(error));
      safe('error')(e.message, { error: { type: e.name, message: e.message, stack: e.stack }, ...context });
    },
    child: (fields) => wrap(p.child(fields), sampleRate),
  };
}
