import type { KubeObject } from '@nimbus/model';
import type { Severity } from './finding.js';
import { field, mapSelectorMatches, type PodTemplate, podTemplateOf, selectorMatches } from './objects.js';

export type RuleCategory = 'resources' | 'probes' | 'security' | 'images' | 'availability' | 'networking' | 'api';

/** One problem a rule found: the object, where in it, and what is wrong. */
export interface RuleHit {
  object: KubeObject;
  path?: string;
  message: string;
  /** Overrides the rule's general fix with a specific one. */
  fix?: string;
}

/** Everything a rule may look at: the whole set of objects, pre-indexed. Rules are pure. */
export interface RuleContext {
  objects: readonly KubeObject[];
  templates: readonly PodTemplate[];
  ofKind(kind: string): readonly KubeObject[];
  /** One object by kind, namespace and name. */
  find(kind: string, namespace: string | undefined, name: string | undefined): KubeObject | undefined;
  /** Pod templates in a namespace selected by a LabelSelector (`map: false`) or a plain label map (Service). */
  selectTemplates(namespace: string | undefined, selector: unknown, map?: boolean): readonly PodTemplate[];
  /** NetworkPolicies or PodDisruptionBudgets that select a template. */
  selecting(kind: 'NetworkPolicy' | 'PodDisruptionBudget', t: PodTemplate): readonly KubeObject[];
  /** The HPA that scales a workload, if any. */
  hpaFor(o: KubeObject): KubeObject | undefined;
}

export interface Rule {
  id: string;
  category: RuleCategory;
  severity: Severity;
  title: string;
  /** Why it matters (shown by `nimbus explain`). */
  why: string;
  /** How to fix it, in general. */
  fix: string;
  /**
   * Reports something missing from the set (a DestinationRule, a Service, an
   * HPA's target). When the set may be part of an app (`check -f` without
   * `--complete`) the referent may live elsewhere, so it is at most a warning.
   */
  crossReference?: boolean;
  check(ctx: RuleContext): RuleHit[];
}

const nsOf = (o: KubeObject) => o.metadata.namespace ?? '';

function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Indexes the objects once so rules stay linear: templates by namespace and by
 * each label pair, objects by identity, selectors resolved lazily and memoised.
 */
/** The label pairs a selector requires (matchLabels, or a plain map); undefined when it can select nothing. */
function selectorPairs(selector: unknown, map: boolean): [string, string][] | undefined {
  if (!selector || typeof selector !== 'object') return undefined;
  const pairs = Object.entries(
    map ? (selector as Record<string, string>) : ((selector as { matchLabels?: Record<string, string> }).matchLabels ?? {}),
  );
  return map && pairs.length === 0 ? undefined : pairs;
}

/** For each pod template, the policies or budgets of a kind whose selector selects it. */
function selectedBy(
  owners: readonly KubeObject[],
  kind: 'NetworkPolicy' | 'PodDisruptionBudget',
  selectTemplates: (namespace: string | undefined, selector: unknown) => readonly PodTemplate[],
): Map<PodTemplate, KubeObject[]> {
  const memo = new Map<PodTemplate, KubeObject[]>();
  for (const o of owners) {
    const selector = kind === 'NetworkPolicy' ? (field(o, 'spec', 'podSelector') ?? {}) : field(o, 'spec', 'selector');
    for (const t of selectTemplates(o.metadata.namespace, selector)) appendTo(memo, t, o);
  }
  return memo;
}

export function buildContext(objects: readonly KubeObject[]): RuleContext {
  const byKind = new Map<string, KubeObject[]>();
  const byId = new Map<string, KubeObject>();
  for (const o of objects) {
    appendTo(byKind, o.kind, o);
    byId.set(`${o.kind}|${nsOf(o)}|${o.metadata.name}`, o);
  }
  const templates = objects.map(podTemplateOf).filter((t): t is PodTemplate => t !== undefined);
  const byNs = new Map<string, PodTemplate[]>();
  const byLabel = new Map<string, PodTemplate[]>();
  for (const t of templates) {
    const ns = nsOf(t.owner);
    appendTo(byNs, ns, t);
    for (const [k, v] of Object.entries(t.labels)) {
      appendTo(byLabel, `${ns}|${k}=${v}`, t);
    }
  }
  const selectTemplates = (namespace: string | undefined, selector: unknown, map = false): readonly PodTemplate[] => {
    const ns = namespace ?? '';
    const pairs = selectorPairs(selector, map);
    if (!pairs) return [];
    // Start from the smallest set any one label narrows to, then test the whole selector.
    const candidates = pairs.reduce<readonly PodTemplate[]>((best, [k, v]) => {
      const l = byLabel.get(`${ns}|${k}=${v}`) ?? [];
      return l.length < best.length ? l : best;
    }, byNs.get(ns) ?? []);
    return candidates.filter((t) =>
      map ? mapSelectorMatches(selector as Record<string, string>, t.labels) : selectorMatches(selector, t.labels),
    );
  };
  const selectingMemo = new Map<string, Map<PodTemplate, KubeObject[]>>();
  const selecting = (kind: 'NetworkPolicy' | 'PodDisruptionBudget', t: PodTemplate): readonly KubeObject[] => {
    let memo = selectingMemo.get(kind);
    if (!memo) {
      memo = selectedBy(byKind.get(kind) ?? [], kind, selectTemplates);
      selectingMemo.set(kind, memo);
    }
    return memo.get(t) ?? [];
  };
  const hpas = new Map<string, KubeObject>();
  for (const h of byKind.get('HorizontalPodAutoscaler') ?? []) {
    const ref = field(h, 'spec', 'scaleTargetRef') as { kind?: string; name?: string } | undefined;
    hpas.set(`${ref?.kind}|${nsOf(h)}|${ref?.name}`, h);
  }
  return {
    objects,
    templates,
    ofKind: (kind) => byKind.get(kind) ?? [],
    find: (kind, namespace, name) => byId.get(`${kind}|${namespace ?? ''}|${name}`),
    selectTemplates,
    selecting,
    hpaFor: (o) => hpas.get(`${o.kind}|${nsOf(o)}|${o.metadata.name}`),
  };
}

/** Long-running workloads: the kinds whose pods serve traffic and get disrupted. */
export const SERVING_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController']);
