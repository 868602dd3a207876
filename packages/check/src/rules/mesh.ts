import { field } from '../objects.js';
import type { Rule, RuleHit } from '../rule.js';

type Destination = { host?: string; subset?: string };
type HttpRoute = { route?: { destination?: Destination; weight?: number }[] };

const shortHost = (host: string | undefined, ns: string | undefined) =>
  (host ?? '').replace(`.${ns}.svc.cluster.local`, '').replace(/\.svc\.cluster\.local$/, '');

export const meshSubset: Rule = {
  id: 'mesh-subset-defined',
  crossReference: true,
  category: 'networking',
  severity: 'error',
  title: 'VirtualService subsets exist in a DestinationRule',
  why: 'Istio answers 503 (no healthy upstream) for a route to a subset no DestinationRule defines.',
  fix: 'Add the subset to the DestinationRule of that host, or route without a subset.',
  check: (ctx) =>
    ctx.ofKind('VirtualService').flatMap((vs) => {
      const ns = vs.metadata.namespace;
      const defined = new Set(
        ctx
          .ofKind('DestinationRule')
          .flatMap((dr) =>
            ((field(dr, 'spec', 'subsets') as { name?: string }[] | undefined) ?? []).map(
              (s) => `${shortHost(field(dr, 'spec', 'host') as string, dr.metadata.namespace)}|${s.name}`,
            ),
          ),
      );
      return ((field(vs, 'spec', 'http') as HttpRoute[] | undefined) ?? []).flatMap((h, hi) =>
        (h.route ?? []).flatMap((r, ri): RuleHit[] =>
          r.destination?.subset && !defined.has(`${shortHost(r.destination.host, ns)}|${r.destination.subset}`)
            ? [
                {
                  object: vs,
                  path: `spec.http[${hi}].route[${ri}].destination.subset`,
                  message: `subset '${r.destination.subset}' of ${r.destination.host} is defined by no DestinationRule`,
                },
              ]
            : [],
        ),
      );
    }),
};

export const meshWeights: Rule = {
  id: 'mesh-route-weights',
  category: 'networking',
  severity: 'error',
  title: 'Weighted routes add up to 100',
  why: 'Istio rejects or rescales weights that do not sum to 100; a canary then gets a share nobody chose.',
  fix: 'Make the weights of each route sum to exactly 100.',
  check: (ctx) => [
    ...ctx.ofKind('VirtualService').flatMap((vs) =>
      ((field(vs, 'spec', 'http') as HttpRoute[] | undefined) ?? []).flatMap((h, hi): RuleHit[] => {
        const routes = h.route ?? [];
        if (routes.length < 2 && routes.every((r) => r.weight === undefined)) return [];
        const sum = routes.reduce((a, r) => a + (r.weight ?? 0), 0);
        return sum === 100 ? [] : [{ object: vs, path: `spec.http[${hi}].route`, message: `route weights add up to ${sum}` }];
      }),
    ),
    ...ctx.ofKind('HTTPRoute').flatMap((r) =>
      ((field(r, 'spec', 'rules') as { backendRefs?: { weight?: number }[] }[] | undefined) ?? []).flatMap((rule, i): RuleHit[] => {
        const refs = rule.backendRefs ?? [];
        return refs.length && refs.every((b) => b.weight === 0)
          ? [{ object: r, path: `spec.rules[${i}].backendRefs`, message: 'every backend has weight 0: all traffic is dropped' }]
          : [];
      }),
    ),
  ],
};

export const authzSelects: Rule = {
  id: 'mesh-authz-selects-pods',
  crossReference: true,
  category: 'security',
  severity: 'warning',
  title: 'AuthorizationPolicies select some pods',
  why: 'A policy whose selector matches no pod protects nothing, silently; usually a label typo.',
  fix: 'Make spec.selector.matchLabels match the labels of the pods to protect.',
  check: (ctx) =>
    ctx.ofKind('AuthorizationPolicy').flatMap((p) => {
      const selector = field(p, 'spec', 'selector');
      if (!selector) return [];
      return ctx.selectTemplates(p.metadata.namespace, selector).length
        ? []
        : [{ object: p, path: 'spec.selector', message: 'the selector matches no workload in the set' }];
    }),
};

export const argoSource: Rule = {
  id: 'argocd-app-source',
  category: 'api',
  severity: 'error',
  title: 'Argo CD Applications point at a source and a destination',
  why: 'An Application without a repository path, or deploying to a namespace other than the one its manifests use, syncs nothing or the wrong thing.',
  fix: 'Set spec.source.repoURL and spec.source.path, and make spec.destination.namespace the app namespace.',
  check: (ctx) =>
    ctx
      .ofKind('Application')
      .filter((a) => a.apiVersion.startsWith('argoproj.io/'))
      .flatMap((a): RuleHit[] => {
        const source = field(a, 'spec', 'source') as { repoURL?: string; path?: string; chart?: string } | undefined;
        const hits: RuleHit[] = [];
        if (!source?.repoURL) hits.push({ object: a, path: 'spec.source.repoURL', message: 'the Application names no repository' });
        if (!source?.path && !source?.chart)
          hits.push({ object: a, path: 'spec.source.path', message: 'the Application points at no path: it renders nothing' });
        const dest = field(a, 'spec', 'destination', 'namespace') as string | undefined;
        const namespaces = new Set(ctx.objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
        if (dest && namespaces.size && !namespaces.has(dest))
          hits.push({ object: a, path: 'spec.destination.namespace', message: `deploys to '${dest}', which the manifests do not declare` });
        return hits;
      }),
};

export const MESH_RULES: Rule[] = [meshSubset, meshWeights, authzSelects, argoSource];
