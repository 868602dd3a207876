import type { KubeObject } from '@nimbus/model';

/**
 * How a canary's weight reaches the traffic. Pure: each router turns a weight into the objects (or
 * replica counts) that carry it; the executor applies them.
 */
export type RouterSpec =
  | { kind: 'virtual-service'; namespace: string; name: string }
  | { kind: 'http-route'; namespace: string; name: string; stableService: string; canaryService: string }
  | { kind: 'replicas'; namespace: string; stable: string; canary: string; stableReplicas: number };

/**
 * Without a mesh, a plain Service spreads requests over ready pods evenly, so the weight is the
 * canary's share of the pods: with n stable pods, round(n·w / (100 − w)) canary pods (at least one
 * for any weight above 0, none at 0). The share is approximate by nature: 1 of 3 pods is 25 %.
 */
export function canaryReplicas(stableReplicas: number, weight: number): number {
  if (weight <= 0) return 0;
  if (weight >= 100) return stableReplicas;
  return Math.max(1, Math.round((stableReplicas * weight) / (100 - weight)));
}

/** The share of traffic a replica split really gives. */
export const effectiveWeight = (stable: number, canary: number) =>
  stable + canary === 0 ? 0 : Math.round((100 * canary) / (stable + canary));

type HttpRoute = KubeObject & {
  spec: {
    rules?: { backendRefs?: { name: string; weight?: number; [k: string]: unknown }[]; [k: string]: unknown }[];
    [k: string]: unknown;
  };
};

/** The HTTPRoute with every rule's stable and canary backends weighted `100 − w` and `w`. */
export function httpRouteWeights(route: KubeObject, stableService: string, canaryService: string, weight: number): KubeObject {
  const r = structuredClone(route) as HttpRoute;
  for (const rule of r.spec.rules ?? [])
    for (const ref of rule.backendRefs ?? []) {
      if (ref.name === stableService) ref.weight = 100 - weight;
      else if (ref.name === canaryService) ref.weight = weight;
    }
  return r;
}

type VirtualService = KubeObject & {
  spec: {
    http?: { route?: { destination: { subset?: string; [k: string]: unknown }; weight?: number }[]; [k: string]: unknown }[];
    [k: string]: unknown;
  };
};

/** The VirtualService with the `stable` and `canary` subsets of every HTTP route weighted. */
export function virtualServiceWeights(vs: KubeObject, weight: number): KubeObject {
  const v = structuredClone(vs) as VirtualService;
  for (const http of v.spec.http ?? [])
    for (const dest of http.route ?? []) {
      if (dest.destination.subset === 'stable') dest.weight = 100 - weight;
      else if (dest.destination.subset === 'canary') dest.weight = weight;
    }
  return v;
}
