import { inspect } from 'node:util';
import { ConfigError, configFromEnv, env } from '@nimbus/runtime';
import { describe, expect, it } from 'vitest';

const schema = {
  PORT: env.port({ default: 8080 }),
  DATABASE_URL: env.url(),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn'] as const, { default: 'info' }),
  WORKERS: env.int({ min: 1, max: 64 }),
  FEATURE_SEARCH: env.bool({ default: false }),
  DB_PASSWORD: env.secret(),
  SENTRY_DSN: env.string({ optional: true }),
};

describe('configFromEnv', () => {
  it('parses and types every variable, with defaults', () => {
    const config = configFromEnv(schema, {
      DATABASE_URL: 'postgres://db:5432/shop',
      WORKERS: '4',
      FEATURE_SEARCH: 'on',
      DB_PASSWORD: 's3cret',
    });
    expect(config.PORT).toBe(8080);
    expect(config.WORKERS).toBe(4);
    expect(config.FEATURE_SEARCH).toBe(true);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.SENTRY_DSN).toBeUndefined();
    expect(config.DB_PASSWORD.reveal()).toBe('s3cret');
    expect(String(config.DB_PASSWORD)).toBe('[redacted]');
  });

  it('reports every missing or invalid variable at once, and never a secret value', () => {
    let error: ConfigError | undefined;
    try {
      configFromEnv(schema, { PORT: '99999', DATABASE_URL: 'not a url', WORKERS: 'many', DB_PASSWORD: '' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toEqual([
      'PORT must be a port (1–65535), got "99999"',
      'DATABASE_URL must be a URL, got "not a url"',
      'WORKERS must be an integer ≥ 1 ≤ 64, got "many"',
      'DB_PASSWORD is not set (expected a secret)',
    ]);
  });

  it('prints secrets as [redacted] in JSON, inspect and log output', async () => {
    const config = configFromEnv(schema, { DATABASE_URL: 'postgres://db/x', WORKERS: '2', DB_PASSWORD: 'hunter2' });
    expect(JSON.stringify(config)).not.toContain('hunter2');
    expect(JSON.stringify(config)).toContain('"DB_PASSWORD":"[redacted]"');
    expect(inspect(config)).not.toContain('hunter2');
    const { createLogger } = await import('@nimbus/runtime');
    const { Writable } = await import('node:stream');
    let out = '';
    const logger = createLogger({
      stream: new Writable({
        write(c, _e, done) {
          out += String(c);
          done();
        },
      }),
    });
    logger.info('config', { config });
    await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain('[redacted]');
    expect(out).not.toContain('hunter2');
  });
});
