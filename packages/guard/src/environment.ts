import { readFileSync } from 'node:fs';
import { type GuardContract, parseContract } from './contract.js';
import type { GuardOptions, GuardTarget } from './guard.js';

/**
 * The guard's settings as Nimbus renders them into a pod: the contract and the switches travel as
 * environment variables, rule files as mounted paths. The same variables configure the guard
 * inside a service (`startGuardFromEnv`) and in the sidecar image.
 */
export const GUARD_ENV = {
  /** `in-process` or `sidecar`; rendered from the spec's `security.guard.mode`. */
  mode: 'NIMBUS_GUARD',
  contract: 'NIMBUS_GUARD_CONTRACT',
  contractFile: 'NIMBUS_GUARD_CONTRACT_FILE',
  /** Rule files, separated by ':'. */
  rules: 'NIMBUS_GUARD_RULES',
  /** Paths whose files are watched, separated by ':'. */
  watch: 'NIMBUS_GUARD_WATCH',
  webhook: 'NIMBUS_GUARD_WEBHOOK',
  /** `pod` (every process of the shared namespace) or a pid. */
  target: 'NIMBUS_GUARD_TARGET',
  intervalMs: 'NIMBUS_GUARD_INTERVAL_MS',
  /** Port of the sidecar's /metrics and /health. */
  port: 'NIMBUS_GUARD_PORT',
} as const;

export const DEFAULT_GUARD_PORT = 9464;

export class GuardSettingsError extends Error {
  readonly code = 'NIMBUS_GUARD_SETTINGS';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'GuardSettingsError';
  }
}

export interface GuardSettings {
  mode: 'in-process' | 'sidecar' | undefined;
  target: GuardTarget | undefined;
  contract: GuardContract | undefined;
  rules: { text: string; file: string }[];
  watchPaths: string[] | undefined;
  webhook: string | undefined;
  intervalMs: number | undefined;
  port: number;
}

function readRuleFile(file: string, variable: string): { text: string; file: string } {
  try {
    return { text: readFileSync(file, 'utf8'), file };
  } catch (err) {
    throw new GuardSettingsError(
      variable,
      `cannot read rule file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

const list = (value: string | undefined) => (value ? value.split(':').filter(Boolean) : undefined);

function positiveInt(env: NodeJS.ProcessEnv, variable: string): number | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new GuardSettingsError(variable, `'${raw}' is not a positive whole number`);
  return n;
}

function contractFromEnv(env: NodeJS.ProcessEnv): GuardContract | undefined {
  if (env[GUARD_ENV.contract]) return parseContract(env[GUARD_ENV.contract] as string, GUARD_ENV.contract);
  const file = env[GUARD_ENV.contractFile];
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GuardSettingsError(GUARD_ENV.contractFile, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code}`);
  }
  return parseContract(text, file);
}

function targetFromEnv(env: NodeJS.ProcessEnv): GuardTarget | undefined {
  const text = env[GUARD_ENV.target];
  if (!text) return undefined;
  if (text === 'pod' || text === 'self') return text;
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) throw new GuardSettingsError(GUARD_ENV.target, `'${text}' is not pod, self or a pid`);
  return { pid };
}

const MODES = ['in-process', 'sidecar', 'off'];

/** Reads the guard's settings; throws GuardSettingsError naming the variable at fault. */
export function guardSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): GuardSettings {
  const mode = env[GUARD_ENV.mode] || undefined;
  if (mode !== undefined && !MODES.includes(mode))
    throw new GuardSettingsError(GUARD_ENV.mode, `'${mode}' is not one of ${MODES.join(', ')}`);
  return {
    mode: mode === 'off' ? undefined : (mode as GuardSettings['mode']),
    target: targetFromEnv(env),
    contract: contractFromEnv(env),
    rules: (list(env[GUARD_ENV.rules]) ?? []).map((f) => readRuleFile(f, GUARD_ENV.rules)),
    watchPaths: list(env[GUARD_ENV.watch]),
    webhook: env[GUARD_ENV.webhook] || undefined,
    intervalMs: positiveInt(env, GUARD_ENV.intervalMs),
    port: positiveInt(env, GUARD_ENV.port) ?? DEFAULT_GUARD_PORT,
  };
}

/** Guard options from settings, for the given default target. */
export function optionsFromSettings(settings: GuardSettings, target: GuardTarget): Omit<GuardOptions, 'logger' | 'metrics'> {
  return {
    target: settings.target ?? target,
    contract: settings.contract && withWebhook(settings.contract, settings.webhook),
    rules: settings.rules,
    watchPaths: settings.watchPaths,
    webhook: settings.webhook,
    intervalMs: settings.intervalMs,
  };
}

/** The guard's own calls to its webhook are expected traffic, not the service's. */
function withWebhook(contract: GuardContract, webhook: string | undefined): GuardContract {
  if (!webhook) return contract;
  let url: URL;
  try {
    url = new URL(webhook);
  } catch {
    throw new GuardSettingsError(GUARD_ENV.webhook, `'${webhook}' is not a URL`);
  }
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return { ...contract, connect: [...contract.connect, { name: 'guard-webhook', hosts: [url.hostname], ports: [port] }] };
}
