import { ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import type { Logger, Metrics } from '@nimbus/runtime';
import { DeclaredDestinations, type GuardContract, parseNameservers, type Resolve } from './contract.js';
import type { GuardEvent } from './events.js';
import { asyncReader, hybridReader, type ProcReader, syncReader } from './proc.js';
import { type Finding, Reporter } from './reporter.js';
import { BUILTIN_RULES, BUILTIN_RULES_FILE } from './rules/builtin.js';
import { type CompiledRule, RuleSet } from './rules/ruleset.js';
import { FileWatch } from './sampler/files.js';
import { ProcessTable, type Scope } from './sampler/processes.js';
import { SocketWatch } from './sampler/sockets.js';
import { UsageWatch } from './sampler/usage.js';

export type GuardTarget =
  /** This process and its children: the guard started inside the service by the SDK. */
  | 'self'
  /** Every process of this pid namespace but the guard: a sidecar sharing the pod's processes. */
  | 'pod'
  /** A process on this host and its children: `nimbus guard --pid N`. */
  | { pid: number };

export interface GuardOptions {
  target: GuardTarget;
  /** The SDK's logger: findings become JSON lines through it. */
  logger?: Logger;
  metrics?: Metrics;
  /** What the service declared; without it the connection and listener rules stay quiet. */
  contract?: GuardContract;
  /** User rule files, loaded after the built-in set, as { text, file }. */
  rules?: { text: string; file: string }[];
  /** Load the built-in rules (default true). */
  builtin?: boolean;
  /** Paths whose files are watched, as the service sees them; default its working directory and /tmp. */
  watchPaths?: string[];
  /** Sockets, files and rules every this many ms (default 1000). */
  intervalMs?: number;
  /** New processes are looked for every this many ms (default 100: one small read when nothing started; a process must live about this long to be seen, except those the service starts itself, which the child_process hook reports). */
  spawnWatchMs?: number;
  /** CPU, memory, disk and network every this many ms (default 5000). */
  usageIntervalMs?: number;
  /**
   * How /proc is read: 'sync' (cheapest, for a process of its own: sidecar, host), 'hybrid' (the
   * default inside a service: small reads synchronous, the slow socket tables on the thread pool, so
   * the event loop never waits on them), or 'async' (everything on the thread pool).
   */
  io?: 'async' | 'sync' | 'hybrid';
  webhook?: string;
  dedupWindowMs?: number;
  perRulePerMinute?: number;
  onFinding?: (finding: Finding) => void;
  /** Inside the service ('self'), report processes it starts from the child_process call itself (default true). */
  hookChildProcesses?: boolean;
  /** Whose sockets are the service's: all of its network namespace, or only those its processes hold (default: decided from the namespaces). */
  sockets?: 'netns' | 'owned';
  /** Name resolution for declared hosts (tests keep it on this machine). */
  resolve?: Resolve;
  procRoot?: string;
}

export interface GuardStats {
  samples: number;
  spawnPolls: number;
  processes: number;
  filesTracked: number;
  findings: number;
}

export interface Guard {
  readonly rules: readonly CompiledRule[];
  stats(): GuardStats;
  /** Runs one full sample now (tests and `--once`); resolves with its findings. */
  sampleNow(): Promise<Finding[]>;
  stop(): Promise<void>;
}

/** Loads the built-in rules and the user's files; throws GuardRuleError naming the file and line of a fault. */
export function loadRules(files: { text: string; file: string }[] = [], builtin = true): CompiledRule[] {
  const set = new RuleSet();
  if (builtin) set.add(BUILTIN_RULES, BUILTIN_RULES_FILE);
  for (const f of files) set.add(f.text, f.file);
  return set.compile();
}

function scopeOf(target: GuardTarget): Scope {
  if (target === 'self') return { kind: 'tree', root: process.pid, self: process.pid };
  if (target === 'pod') return { kind: 'namespace', self: process.pid };
  return { kind: 'tree', root: target.pid, self: process.pid };
}

const namespaceOf = (pid: number | 'self', kind: 'net' | 'pid', procRoot: string) => {
  try {
    return readlinkSync(`${procRoot}/${pid}/ns/${kind}`);
  } catch {
    return undefined;
  }
};

/**
 * Inside the service, every process it starts through child_process (spawn, exec, execFile, fork)
 * is reported from the call itself: libuv returns only once the child has exec'd, so the program is
 * known exactly however briefly it runs. Returns the function that removes the hook.
 */
function hookChildProcesses(processes: ProcessTable): () => void {
  const proto = ChildProcess.prototype as unknown as { spawn: (this: ChildProcess, options: { file: string; args?: string[] }) => unknown };
  const original = proto.spawn;
  proto.spawn = function (this: ChildProcess, options) {
    const result = original.call(this, options);
    if (this.pid !== undefined) processes.observe(this.pid, options.file, options.args ?? [options.file], Date.now());
    return result;
  };
  return () => {
    if (proto.spawn !== original) proto.spawn = original;
  };
}

/** The kernel's fixed inode number of the initial pid namespace: outside it, we are in a container. */
const INITIAL_PID_NAMESPACE = 'pid:[4026531836]';

/**
 * Whose sockets count as the service's. In a container the network namespace is the pod's, so
 * every socket in it is — including closed ones no process holds any more. On a host's shared
 * network only sockets a watched process holds are.
 */
function socketAttribution(target: GuardTarget, anchor: number, procRoot: string): 'netns' | 'owned' {
  if (target === 'pod') return 'netns';
  const inContainer = namespaceOf('self', 'pid', procRoot) !== INITIAL_PID_NAMESPACE;
  if (target !== 'self' && namespaceOf(anchor, 'net', procRoot) !== namespaceOf('self', 'net', procRoot)) return 'netns';
  return inContainer ? 'netns' : 'owned';
}

/** Synchronous reads for a process of its own; hybrid inside a service, so the event loop never waits on the slow ones. */
function readerFor(o: GuardOptions): ProcReader {
  const readers = { sync: syncReader, async: asyncReader, hybrid: hybridReader };
  return readers[o.io ?? (o.target === 'self' ? 'hybrid' : 'sync')];
}

/** The service's working directory (its code, usually) and /tmp. */
async function defaultWatchPaths(o: GuardOptions, reader: ProcReader, anchor: number, procRoot: string): Promise<string[]> {
  const cwd = o.target === 'self' ? process.cwd() : await reader.link(`${procRoot}/${anchor}/cwd`);
  return [...new Set([cwd && cwd !== '/' ? cwd : undefined, '/tmp'].filter((p): p is string => !!p))];
}

/** Rules applied to a batch of events; the reporter decides what is a new finding. */
function judgeWith(rules: readonly CompiledRule[], reporter: Reporter): ((batch: GuardEvent[]) => Finding[]) & { count: number } {
  const judge = (batch: GuardEvent[]): Finding[] => {
    const out: Finding[] = [];
    for (const event of batch)
      for (const rule of rules) {
        const finding = rule.matches(event) ? reporter.report(rule, event) : undefined;
        if (finding) out.push(finding);
      }
    judge.count += out.length;
    return out;
  };
  judge.count = 0;
  return judge;
}

/** Runs `work` every `every` ms, never overlapping itself, on unref'd timers; returns the stop function. */
function repeat(every: number, work: () => Promise<unknown>, onError: (err: unknown) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(async () => {
      try {
        await work();
      } catch (err) {
        onError(err);
      }
      if (!stopped) schedule();
    }, every);
    timer.unref();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Starts the guard: a baseline sample (existing processes, sockets, world-writable files), then
 * a fast loop for new processes and a slower one for sockets, files and usage. Every timer is
 * unref'd: the guard never keeps a service alive, and a slow sample is never overlapped.
 */
export async function startGuard(o: GuardOptions): Promise<Guard> {
  const rules = loadRules(o.rules, o.builtin ?? true);
  const procRoot = o.procRoot ?? '/proc';
  const reader = readerFor(o);
  const processes = new ProcessTable(reader, scopeOf(o.target), procRoot);
  const reporter = new Reporter(o);
  const samples = o.metrics?.counter('nimbus_guard_samples_total', 'Samples the runtime guard has taken, by kind.', ['kind']);
  const sampleSeconds = o.metrics?.histogram(
    'nimbus_guard_sample_duration_seconds',
    'Time one full sample took.',
    [],
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
  );

  const start = Date.now();
  const events: GuardEvent[] = await processes.poll(start, true);
  const anchor = processes.anchor() ?? process.pid;
  const rootPrefix = (pid: number) => (o.target === 'self' ? '' : `${procRoot}/${pid}/root`);
  const resolvConf = await reader.text(`${rootPrefix(anchor)}/etc/resolv.conf`);
  const contract = o.contract ? new DeclaredDestinations(o.contract, parseNameservers(resolvConf), o.resolve) : undefined;
  await contract?.refresh();
  const attribution = o.sockets ?? socketAttribution(o.target, anchor, procRoot);
  const sockets = new SocketWatch({ reader, processes, contract, attribution, excludeOwnSockets: o.target !== 'self', procRoot });
  const watchPaths = o.watchPaths ?? (await defaultWatchPaths(o, reader, anchor, procRoot));
  const files = new FileWatch({ reader, paths: watchPaths, rootPrefix: rootPrefix(anchor) });
  const usage = new UsageWatch(reader, processes, watchPaths, rootPrefix, procRoot);

  let sampleCount = 0;
  let spawnPolls = 0;
  const judge = judgeWith(rules, reporter);
  for (const e of events) e.values['contract.loaded'] = contract !== undefined;
  events.push(...(await sockets.sample(anchor, start, true)), ...(await files.start(start)));
  judge(events);
  if (files.truncated)
    o.logger?.warn('guard: the watched paths hold more files than it tracks; the rest are not watched', { paths: watchPaths });
  await usage.sample(anchor, start);

  let lastUsage = start;
  const fullSample = async (): Promise<Finding[]> => {
    const began = performance.now();
    const now = Date.now();
    const batch = [...(await sockets.sample(processes.anchor() ?? anchor, now, false)), ...(await files.sample(now))];
    if (now - lastUsage >= (o.usageIntervalMs ?? 5000)) {
      lastUsage = now;
      const u = await usage.sample(processes.anchor() ?? anchor, now);
      if (u) batch.push(u);
    }
    sampleCount++;
    samples?.inc({ kind: 'full' });
    sampleSeconds?.observe((performance.now() - began) / 1000);
    return judge(batch);
  };
  const spawnPoll = async (): Promise<Finding[]> => {
    spawnPolls++;
    const batch = await processes.poll(Date.now());
    for (const e of batch) e.values['contract.loaded'] = contract !== undefined;
    return judge(batch);
  };

  const onError = (err: unknown) => o.logger?.error('guard: a sample failed', { error: (err as Error).message });
  const unhook = o.target === 'self' && o.hookChildProcesses !== false ? hookChildProcesses(processes) : () => {};
  const loops = [repeat(o.spawnWatchMs ?? 100, spawnPoll, onError), repeat(o.intervalMs ?? 1000, fullSample, onError)];
  o.logger?.info('guard started', {
    guard: {
      target: typeof o.target === 'object' ? `pid ${o.target.pid}` : o.target,
      rules: rules.length,
      contract: contract !== undefined,
      processes: processes.inScope().length,
      watchPaths,
    },
  });

  return {
    rules,
    stats: () => ({
      samples: sampleCount,
      spawnPolls,
      processes: processes.inScope().length,
      filesTracked: files.tracked,
      findings: judge.count,
    }),
    sampleNow: async () => [...(await spawnPoll()), ...(await fullSample())],
    stop: async () => {
      unhook();
      for (const stop of loops) stop();
      files.stop();
    },
  };
}
