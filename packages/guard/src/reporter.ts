import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger, Metrics } from '@nimbus/runtime';
import { type FieldValue, fieldValue, type GuardEvent } from './events.js';
import { renderOutput } from './rules/condition.js';
import type { CompiledRule, Severity } from './rules/ruleset.js';

export interface Finding {
  rule: string;
  severity: Severity;
  tags: string[];
  output: string;
  /** ISO time the sampler saw the event. */
  time: string;
  event: GuardEvent['type'];
  initial: boolean;
  /** The fields the output names, with their values. */
  evidence: Record<string, FieldValue>;
}

export interface ReporterOptions {
  /** Findings are written through it as JSON lines; without one they only reach onFinding. */
  logger?: Logger;
  metrics?: Metrics;
  /** Findings are also POSTed here as JSON (best effort, never blocking the guard). */
  webhook?: string;
  /** The same finding is not repeated within this window. */
  dedupWindowMs?: number;
  /** At most this many findings of one rule per minute; the rest are counted, not logged. */
  perRulePerMinute?: number;
  onFinding?: (finding: Finding) => void;
}

const LEVEL: Record<Severity, 'error' | 'warn' | 'info'> = { critical: 'error', high: 'error', medium: 'warn', low: 'info', info: 'info' };

/**
 * Turns rule matches into findings: deduplicated (the same output within a window), rate limited
 * per rule, written as JSON log lines through the SDK's logger, counted in Prometheus metrics and
 * optionally sent to a webhook.
 */
export class Reporter {
  private readonly lastSeen = new Map<string, number>();
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly found;
  private readonly suppressed;
  private readonly webhookErrors;

  constructor(private readonly o: ReporterOptions) {
    this.found = o.metrics?.counter('nimbus_guard_findings_total', 'Findings of the runtime guard, by rule and severity.', [
      'rule',
      'severity',
    ]);
    this.suppressed = o.metrics?.counter(
      'nimbus_guard_findings_suppressed_total',
      'Findings not logged because they repeated or their rule hit its rate limit.',
      ['rule', 'reason'],
    );
    this.webhookErrors = o.metrics?.counter('nimbus_guard_webhook_errors_total', 'Findings the webhook did not accept.', []);
  }

  report(rule: CompiledRule, event: GuardEvent): Finding | undefined {
    const output = renderOutput(rule.output, event);
    const key = `${rule.name}\0${rule.key ? renderOutput(rule.key, event) : output}`;
    const now = event.time;
    const last = this.lastSeen.get(key);
    if (last !== undefined && now - last < (this.o.dedupWindowMs ?? 60_000)) {
      this.suppressed?.inc({ rule: rule.name, reason: 'duplicate' });
      return undefined;
    }
    this.lastSeen.set(key, now);
    if (this.lastSeen.size > 10_000) this.forgetOld(now);
    const window = this.windows.get(rule.name);
    if (!window || now - window.start >= 60_000) this.windows.set(rule.name, { start: now, count: 1 });
    else if (window.count >= (this.o.perRulePerMinute ?? 30)) {
      this.suppressed?.inc({ rule: rule.name, reason: 'rate_limit' });
      return undefined;
    } else window.count++;

    const evidence: Record<string, FieldValue> = {};
    for (const field of rule.evidence) evidence[field] = fieldValue(event, field);
    const finding: Finding = {
      rule: rule.name,
      severity: rule.severity,
      tags: rule.tags,
      output,
      time: new Date(now).toISOString(),
      event: event.type,
      initial: event.initial,
      evidence,
    };
    this.found?.inc({ rule: rule.name, severity: rule.severity });
    this.o.logger?.[LEVEL[rule.severity]](output, {
      guard: {
        rule: finding.rule,
        severity: finding.severity,
        tags: finding.tags,
        event: finding.event,
        initial: finding.initial,
        evidence,
      },
    });
    this.o.onFinding?.(finding);
    if (this.o.webhook) this.post(this.o.webhook, finding);
    return finding;
  }

  private forgetOld(now: number): void {
    const window = this.o.dedupWindowMs ?? 60_000;
    for (const [key, at] of this.lastSeen) if (now - at >= window) this.lastSeen.delete(key);
  }

  private post(url: string, finding: Finding): void {
    const body = JSON.stringify(finding);
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    try {
      const req = send(
        url,
        { method: 'POST', timeout: 2000, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          if ((res.statusCode ?? 500) >= 300) this.webhookErrors?.inc();
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => this.webhookErrors?.inc());
      req.end(body);
    } catch {
      this.webhookErrors?.inc();
    }
  }
}
