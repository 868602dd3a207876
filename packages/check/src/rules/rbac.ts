import type { KubeObject } from '@nimbus/model';
import { field } from '../objects.js';
import type { Rule, RuleContext, RuleHit } from '../rule.js';

interface PolicyRule {
  apiGroups?: unknown;
  resources?: unknown;
  verbs?: unknown;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Every rule of every Role and ClusterRole, with its field path. */
function policyRules(ctx: RuleContext): { role: KubeObject; rule: PolicyRule; path: string }[] {
  return [...ctx.ofKind('Role'), ...ctx.ofKind('ClusterRole')].flatMap((role) => {
    const rules = field(role, 'rules');
    return Array.isArray(rules) ? rules.map((rule, i) => ({ role, rule: (rule ?? {}) as PolicyRule, path: `rules[${i}]` })) : [];
  });
}

/** Roles whose rules grant any of the verbs on any of the resources (a `*` grants everything). */
function granting(
  ctx: RuleContext,
  resources: readonly string[],
  verbs: readonly string[],
): { role: KubeObject; path: string; what: string }[] {
  return policyRules(ctx).flatMap(({ role, rule, path }) => {
    const rs = strings(rule.resources);
    const vs = strings(rule.verbs);
    const resource = rs.find((r) => r === '*' || resources.includes(r));
    const verb = vs.find((v) => v === '*' || verbs.includes(v));
    return resource && verb ? [{ role, path, what: `${verb} on ${resource}` }] : [];
  });
}

const describe = (o: KubeObject) => `${o.kind} ${o.metadata.name}`;

export const rbacWildcard: Rule = {
  id: 'rbac-wildcard',
  category: 'security',
  severity: 'warning',
  title: 'Roles name their verbs and resources',
  why: 'A `*` grants every verb or resource, including those added to the API later.',
  fix: 'List the verbs and resources the workload needs.',
  check: (ctx) =>
    policyRules(ctx).flatMap(({ role, rule, path }): RuleHit[] => {
      const wild = [...strings(rule.verbs), ...strings(rule.resources), ...strings(rule.apiGroups)].includes('*');
      return wild ? [{ object: role, path, message: `${describe(role)} grants '*' in ${path}` }] : [];
    }),
};

export const rbacSecrets: Rule = {
  id: 'rbac-secrets-read',
  category: 'security',
  severity: 'warning',
  title: 'Roles do not read Secrets without need',
  why: 'Reading Secrets reads every credential in their scope; a compromised workload takes them all.',
  fix: 'Mount the one Secret the workload needs instead of granting get/list/watch on secrets.',
  check: (ctx) =>
    granting(ctx, ['secrets'], ['get', 'list', 'watch']).map(({ role, path, what }) => ({
      object: role,
      path,
      message: `${describe(role)} grants ${what}`,
    })),
};

export const rbacPodExec: Rule = {
  id: 'rbac-pod-exec',
  category: 'security',
  severity: 'warning',
  title: 'Roles do not create pods or exec into them',
  why: 'Creating pods, or exec and attach into them, runs arbitrary code with any service account in the namespace.',
  fix: 'Leave pod creation to controllers (Deployments, Jobs) and exec to people, not workloads.',
  check: (ctx) =>
    [...granting(ctx, ['pods'], ['create']), ...granting(ctx, ['pods/exec', 'pods/attach'], ['create', 'get'])].map(
      ({ role, path, what }) => ({ object: role, path, message: `${describe(role)} grants ${what}` }),
    ),
};

export const rbacEscalation: Rule = {
  id: 'rbac-escalation',
  category: 'security',
  severity: 'error',
  title: 'Roles cannot escalate, bind or impersonate',
  why: 'escalate, bind and impersonate let the holder grant itself any permission: the RBAC boundary is gone.',
  fix: 'Remove these verbs; only cluster administrators should hold them.',
  check: (ctx) =>
    policyRules(ctx).flatMap(({ role, rule, path }): RuleHit[] => {
      const verbs = strings(rule.verbs).filter((v) => ['escalate', 'bind', 'impersonate'].includes(v));
      return verbs.length ? [{ object: role, path, message: `${describe(role)} grants ${verbs.join(', ')}` }] : [];
    }),
};

export const rbacBindings: Rule = {
  id: 'rbac-risky-binding',
  category: 'security',
  severity: 'error',
  title: 'Bindings grant neither cluster-admin nor rights to the default service account',
  why: 'cluster-admin is every permission; the default service account is used by every pod that names none.',
  fix: 'Bind a narrow Role to a dedicated service account.',
  check: (ctx) =>
    [...ctx.ofKind('RoleBinding'), ...ctx.ofKind('ClusterRoleBinding')].flatMap((b): RuleHit[] => {
      const hits: RuleHit[] = [];
      if (field(b, 'roleRef', 'name') === 'cluster-admin')
        hits.push({ object: b, path: 'roleRef.name', message: `${describe(b)} grants cluster-admin` });
      const subjects = field(b, 'subjects');
      (Array.isArray(subjects) ? subjects : []).forEach((s: { kind?: string; name?: string }, i) => {
        if (s?.kind === 'ServiceAccount' && s.name === 'default')
          hits.push({ object: b, path: `subjects[${i}]`, message: `${describe(b)} grants rights to the default service account` });
      });
      return hits;
    }),
};

export const RBAC_RULES: Rule[] = [rbacWildcard, rbacSecrets, rbacPodExec, rbacEscalation, rbacBindings];
