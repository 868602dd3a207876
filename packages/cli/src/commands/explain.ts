import { explainRule, RULES } from '@nimbus/check';
import { closestName, NimbusError } from '@nimbus/model';
import type { CliContext } from '../context.js';

export function runExplain(ruleId: string | undefined, ctx: CliContext): number {
  if (!ruleId) {
    const width = Math.max(...RULES.map((r) => r.id.length));
    for (const r of RULES) ctx.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.title}\n`);
    return 0;
  }
  const rule = RULES.find((r) => r.id === ruleId);
  if (!rule) {
    const guess = closestName(
      ruleId,
      RULES.map((r) => r.id),
    );
    throw new NimbusError('NIMBUS_USAGE', `no rule '${ruleId}'`, {
      hint: guess ? `did you mean '${guess}'?` : 'run `nimbus explain` to list the rules',
    });
  }
  ctx.stdout.write(explainRule(rule));
  return 0;
}
