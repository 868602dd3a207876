import { ANNOTATIONS, type KubeObject, objectKey, refOf } from '@nimbus/model/core';
import { compareFindings, type Finding, type Severity } from './finding.js';
import { buildContext, type Rule, type RuleContext, type RuleHit } from './rule.js';
import { RULES } from './rules/index.js';
import { schemaCatalogFor } from './schema-validation.js';

/** Per-rule overrides: turn a rule off or change its severity. */
export type RuleLevel = Severity | 'off';

export interface CheckConfig {
  rules?: Readonly<Record<string, RuleLevel>>;
  /** Skip validation against the Kubernetes OpenAPI schemas. */
  skipSchema?: boolean;
}

/** Annotation listing rule ids to skip for one object, comma-separated; `all` skips every rule. */
export const IGNORE_ANNOTATION = ANNOTATIONS.ignore;

/** Where an object came from, to point findings at file and line. */
export type Locator = (o: KubeObject, path: string | undefined) => { file?: string; line?: number } | undefined;

export interface CheckOptions {
  config?: CheckConfig;
  locate?: Locator;
  rules?: readonly Rule[];
  /**
   * Whether the objects are the whole app (a rendered spec, or `--complete`).
   * When not, a reference to something absent is a warning: it may be defined
   * in files that were not checked. Default: true.
   */
  complete?: boolean;
}

const PARTIAL_NOTE = ' (if it is defined outside the checked files this is expected; --complete treats them as the whole app)';

function ignored(o: KubeObject): Set<string> {
  const raw = o.metadata.annotations?.[IGNORE_ANNOTATION];
  return new Set(
    raw
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  );
}

/**
 * A rule's hits; a rule that throws on some input shape yields one finding
 * saying so instead of ending the whole check (the other rules still run).
 */
function guarded(rule: Rule, ctx: RuleContext): RuleHit[] {
  try {
    return rule.check(ctx);
  } catch (err) {
    const object = ctx.objects[0];
    if (!object) return [];
    return [
      {
        object,
        message: `rule ${rule.id} could not read these objects (${(err as Error).message}); other rules ran`,
        fix: 'check the schema findings for fields of the wrong shape',
      },
    ];
  }
}

/** Every rule's hits as findings, before levels, ignores and locations. */
/** A finding with the object it is about, so two objects of one name in different files stay apart. */
interface Subjected {
  finding: Finding;
  subject: KubeObject | undefined;
}

function ruleFindings(
  rules: readonly Rule[],
  objects: readonly KubeObject[],
  originalOf: ReadonlyMap<KubeObject, KubeObject>,
  complete: boolean,
): Subjected[] {
  const ctx = buildContext(objects);
  return rules.flatMap((rule) => {
    const partial = rule.crossReference === true && !complete;
    return guarded(rule, ctx).map((hit) => ({
      subject: originalOf.get(hit.object) ?? hit.object,
      finding: {
        ruleId: rule.id,
        severity: partial && rule.severity === 'error' ? 'warning' : rule.severity,
        message: hit.message,
        resource: refOf(hit.object),
        ...(hit.path ? { path: hit.path } : {}),
        fix: `${hit.fix ?? rule.fix}${partial ? PARTIAL_NOTE : ''}`,
      },
    }));
  });
}

/** The second and later objects of one kind, namespace and name: an apply set would keep only the last of them. */
function duplicates(objects: readonly KubeObject[], options: CheckOptions): Subjected[] {
  const first = new Map<string, KubeObject>();
  const out: Subjected[] = [];
  const fileOf = (o: KubeObject) => options.locate?.(o, undefined)?.file;
  for (const o of objects) {
    const key = objectKey(o);
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, o);
      continue;
    }
    // Copies in different files of a partial set may be alternatives (overlays, examples), not one apply set.
    const alternatives = options.complete === false && fileOf(o) !== fileOf(earlier);
    out.push({
      subject: o,
      finding: {
        ruleId: 'duplicate-object',
        severity: alternatives ? 'warning' : 'error',
        message: `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name} is defined more than once${fileOf(earlier) && alternatives ? ` (also in ${fileOf(earlier)})` : ''}; applied together, one silently replaces the other`,
        resource: refOf(o),
        fix: `keep one definition, or give the objects different names or namespaces${alternatives ? PARTIAL_NOTE : ''}`,
      },
    });
  }
  return out;
}

/** Whether the object's `nimbus.dev/ignore` annotation skips this rule. */
const skippedBy = (o: KubeObject | undefined, ruleId: string) => {
  if (!o) return false;
  const skip = ignored(o);
  return skip.has(ruleId) || skip.has('all');
};

/** A finding at its configured level, with the file and line of its object when known. */
function placed(f: Finding, level: Severity | undefined, o: KubeObject | undefined, locate: Locator | undefined): Finding {
  const where = o && locate ? locate(o, f.path) : undefined;
  return {
    ...f,
    ...(level ? { severity: level } : {}),
    ...(where?.file ? { file: where.file } : {}),
    ...(where?.line ? { line: where.line } : {}),
  };
}

/** Runs schema validation and every enabled rule over a set of objects. Pure. */
export function runChecks(objects: readonly KubeObject[], options: CheckOptions = {}): Finding[] {
  const levels = options.config?.rules ?? {};
  const rules = (options.rules ?? RULES).filter((r) => levels[r.id] !== 'off');
  // Rules read objects shaped after their schemas: a wrongly typed field is a schema finding, not a rule crash.
  const catalog = schemaCatalogFor(objects);
  const readable = objects.map((o) => catalog.wellTyped(o));
  const originalOf = new Map(readable.map((r, i) => [r, objects[i] as KubeObject]));
  const raw: Subjected[] = [
    ...(options.config?.skipSchema ? [] : objects.flatMap((o) => catalog.findingsOf(o).map((finding) => ({ finding, subject: o })))),
    ...ruleFindings(rules, readable, originalOf, options.complete ?? true),
    ...duplicates(objects, options),
  ];
  const out: Finding[] = [];
  for (const { finding: f, subject: o } of raw) {
    const level = levels[f.ruleId];
    if (level !== 'off' && !skippedBy(o, f.ruleId)) out.push(placed(f, level, o, options.locate));
  }
  return out.sort(compareFindings);
}

export interface FindingCounts {
  error: number;
  warning: number;
  info: number;
}

export function countFindings(findings: readonly Finding[]): FindingCounts {
  const c = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

/** Applies configured rule levels to findings from elsewhere (Dockerfile lint, image scans). */
export function applyRuleLevels(findings: readonly Finding[], config: CheckConfig = {}): Finding[] {
  const levels = config.rules ?? {};
  return findings
    .filter((f) => levels[f.ruleId] !== 'off')
    .map((f) => {
      const level = levels[f.ruleId];
      return level && level !== 'off' ? { ...f, severity: level } : f;
    })
    .sort(compareFindings);
}
