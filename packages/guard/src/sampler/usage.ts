import type { GuardEvent } from '../events.js';
import { type ProcReader, parseNetDev, parseStat } from '../proc.js';
import type { ProcessTable } from './processes.js';

const CLOCK_TICKS = 100; // USER_HZ on every Linux architecture Node runs on
const PAGE_SIZE = 4096;

/**
 * CPU, memory, disk and network use of what the guard watches. The cgroup of the watched
 * container gives CPU and memory in two reads when it is visible from here; otherwise (a sidecar
 * sees only its own cgroup) the watched processes' own counters are summed.
 */
export class UsageWatch {
  private previous: { at: number; cpuSeconds: number; rx: number; tx: number } | undefined;
  private cgroupDir: string | null | undefined;

  constructor(
    private readonly reader: ProcReader,
    private readonly processes: ProcessTable,
    private readonly diskPaths: readonly string[],
    private readonly rootPrefix: (anchor: number) => string,
    private readonly procRoot = '/proc',
  ) {}

  async sample(anchor: number, now: number): Promise<GuardEvent | undefined> {
    const { cpuSeconds, memory, limit } = await this.cpuAndMemory(anchor);
    const net = parseNetDev((await this.reader.text(`${this.procRoot}/${anchor}/net/dev`)) ?? '');
    const disk = await this.fullestDisk(anchor);
    const before = this.previous;
    this.previous = { at: now, cpuSeconds, rx: net.rx, tx: net.tx };
    if (!before || now <= before.at) return undefined; // rates need two samples
    const seconds = (now - before.at) / 1000;
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      type: 'usage',
      time: now,
      initial: false,
      values: {
        'usage.cpu_percent': round(((cpuSeconds - before.cpuSeconds) / seconds) * 100),
        'usage.memory_bytes': memory,
        'usage.memory_limit_bytes': limit,
        'usage.memory_percent': limit > 0 ? round((memory / limit) * 100) : 0,
        'usage.disk_percent': disk.percent,
        'usage.disk_path': disk.path,
        'usage.net_rx_bytes_per_second': Math.round((net.rx - before.rx) / seconds),
        'usage.net_tx_bytes_per_second': Math.round((net.tx - before.tx) / seconds),
        'usage.processes': this.processes.inScope().length,
      },
    };
  }

  private async cpuAndMemory(anchor: number): Promise<{ cpuSeconds: number; memory: number; limit: number }> {
    if (this.cgroupDir === undefined) this.cgroupDir = await this.findCgroup(anchor);
    if (this.cgroupDir) {
      const [cpu, current, max] = await Promise.all([
        this.reader.text(`${this.cgroupDir}/cpu.stat`),
        this.reader.text(`${this.cgroupDir}/memory.current`),
        this.reader.text(`${this.cgroupDir}/memory.max`),
      ]);
      const usec = /usage_usec (\d+)/.exec(cpu ?? '')?.[1];
      if (usec !== undefined && current !== undefined) {
        const limit = max && max.trim() !== 'max' ? Number(max) : 0;
        return { cpuSeconds: Number(usec) / 1e6, memory: Number(current), limit };
      }
    }
    let ticks = 0;
    let pages = 0;
    for (const p of this.processes.inScope()) {
      const stat = parseStat((await this.reader.text(`${this.procRoot}/${p.pid}/stat`)) ?? '');
      if (!stat) continue;
      ticks += stat.cpuTicks;
      pages += stat.rssPages;
    }
    return { cpuSeconds: ticks / CLOCK_TICKS, memory: pages * PAGE_SIZE, limit: 0 };
  }

  /** The cgroup v2 directory of the watched process, when this process can read it. */
  private async findCgroup(anchor: number): Promise<string | null> {
    const text = await this.reader.text(`${this.procRoot}/${anchor}/cgroup`);
    const path = /^0::(.*)$/m.exec(text ?? '')?.[1];
    if (path === undefined || path.includes('..')) return null;
    const dir = `/sys/fs/cgroup${path === '/' ? '' : path}`;
    return (await this.reader.text(`${dir}/cpu.stat`)) !== undefined ? dir : null;
  }

  private async fullestDisk(anchor: number): Promise<{ percent: number; path: string }> {
    let best = { percent: 0, path: '' };
    for (const path of this.diskPaths) {
      const fs = await this.reader.statfs(this.rootPrefix(anchor) + path);
      if (!fs || fs.blocks === 0) continue;
      const used = fs.blocks - fs.bfree;
      const percent = Math.round((used / (used + fs.bavail)) * 1000) / 10;
      if (percent > best.percent) best = { percent, path };
    }
    return best;
  }
}
