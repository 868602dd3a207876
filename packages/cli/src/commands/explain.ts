import { DOCKERFILE_RULES, explainRule, RULES, type Rule } from '@nimbus/check';
import { closestName, ERROR_CATALOG, fieldHelp, NimbusError } from '@nimbus/model';
import type { CliContext } from '../context.js';

type Explained = Parameters<typeof explainRule>[0];

/** Object rules and Dockerfile rules, as one list. */
const ALL_RULES: Explained[] = [
  ...RULES,
  ...DOCKERFILE_RULES.map((r) => ({ ...r, severity: r.severity as Rule['severity'], category: 'images' as const })),
];

/** An error code: what it means, its exit code and the usual way out. */
function explainCode(code: string, ctx: CliContext): boolean {
  const entry = (ERROR_CATALOG as Record<string, { exitCode: number; title: string; hint: string }>)[code];
  if (!entry) return false;
  ctx.stdout.write(`${code} (exit code ${entry.exitCode})\n${entry.title}\n\nWhat to do: ${entry.hint}\n`);
  return true;
}

/** A field of the spec: its description, type, allowed values and the fields below it. */
function explainField(path: string, ctx: CliContext): boolean {
  const help = fieldHelp(path);
  if (!help) return false;
  const lines = [`${help.path} (${help.type})`, help.description ?? '(no description)'];
  if (help.values.length) lines.push('', `Values: ${help.values.join(', ')}`);
  if (help.fields.length) lines.push('', `Fields: ${help.fields.join(', ')}`);
  ctx.stdout.write(`${lines.join('\n')}\n`);
  return true;
}

export function runExplain(ruleId: string | undefined, ctx: CliContext): number {
  if (ruleId && /^NIMBUS_[A-Z_]+$/.test(ruleId) && explainCode(ruleId, ctx)) return 0;
  if (ruleId && /^(apiVersion|kind|metadata|spec)(\.|$)/.test(ruleId)) {
    if (explainField(ruleId, ctx)) return 0;
    throw new NimbusError('NIMBUS_USAGE', `the spec has no field '${ruleId}'`, {
      hint: 'name it from the top, e.g. spec.services.web.probes (any name or * for a map key); docs/reference.md lists every field',
    });
  }
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
      hint: guess
        ? `did you mean '${guess}'?`
        : 'run `nimbus explain` to list the rules; it also explains error codes (NIMBUS_…) and spec fields (spec.services.NAME.…)',
    });
  }
  ctx.stdout.write(explainRule(rule));
  return 0;
}
