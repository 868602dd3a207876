import type { Command } from 'ioredis';

/**
 * Per-command deadlines without a timer per command. ioredis's own
 * `commandTimeout` arms and clears a `setTimeout` for every command (about a
 * tenth of a cache hit's CPU) and only once the command is written, so a
 * command queued while the cluster is down would wait forever. Here a command
 * is tracked from submission and one sweep, a few times per deadline, rejects
 * whatever is still unsettled past it.
 */
export class CommandDeadlines {
  private commands: Command[] = [];
  private expiries: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  track<T>(command: Command): Promise<T> {
    this.commands.push(command);
    this.expiries.push(performance.now() + this.ms);
    // Frequent sweeps also drop settled commands quickly: held longer, they would survive young-generation GCs.
    this.timer ??= setInterval(() => this.sweep(), Math.max(5, Math.min(20, Math.floor(this.ms / 5)))).unref();
    return command.promise as Promise<T>;
  }

  private sweep(): void {
    const now = performance.now();
    let kept = 0;
    for (let i = 0; i < this.commands.length; i++) {
      const command = this.commands[i] as Command;
      if (command.isSettled) continue;
      if ((this.expiries[i] as number) <= now) {
        command.reject(new Error(`cache ${command.name} timed out after ${this.ms} ms`));
        continue;
      }
      this.commands[kept] = command;
      this.expiries[kept] = this.expiries[i] as number;
      kept++;
    }
    this.commands.length = kept;
    this.expiries.length = kept;
    if (kept === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
