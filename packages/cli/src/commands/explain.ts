import { DOCKERFILE_RULES, explainRule, RULES, type Rule } from '@nimbus/check';
import { closestName, NimbusError } from '@nimbus/model';
import type { CliContext } from '../context.js';

type Explained = Parameters<typeof explainRule>[0];

/** Object rules and Dockerfile rules, as one list. */
const ALL_RULES: Explained[] = [
  ...RULES,
  ...DOCKERFILE_RULES.map((r) => ({ ...r, severity: r.severity as Rule['severity'], category: 'images' as const })),
];

export function runExplain(ruleId: string | undefined, ctx: CliContext): number {
  if (!ruleId) {
    const width = Math.max(...ALL_RULES.map((r) => r.id.length));
    for (const r of ALL_RULES) ctx.stdout.write(`${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.title}\n`);
    return 0;
  }
  const rule = ALL_RULES.find((r) => r.id === ruleId);
  if (!rule) {
    const guess = closestName(
      ruleId,
      ALL_RULES.map((r) => r.id),
    );
    throw new NimbusError('NIMBUS_USAGE', `no rule '${ruleId}'`, {
      hint: guess ? `did you mean '${guess}'?` : 'run `nimbus explain` to list the rules',
    });
  }
  ctx.stdout.write(explainRule(rule));
  return 0;
}
