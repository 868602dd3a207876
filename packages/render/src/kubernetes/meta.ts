import { ANNOTATIONS, imageTag, LABELS, labelValue, MANAGED_BY } from '../labels.js';
import type { ObjectMeta } from '../object.js';
import type { ResolvedApp, ResolvedService } from '../resolve.js';

export function appLabels(app: ResolvedApp): Record<string, string> {
  return { ...app.labels, [LABELS.partOf]: app.name, [LABELS.managedBy]: MANAGED_BY };
}

/** The labels a service's Deployment and Service select on. Never change: selectors are immutable. */
export function selectorLabels(app: ResolvedApp, svc: ResolvedService): Record<string, string> {
  return { [LABELS.name]: svc.name, [LABELS.instance]: app.name };
}

/**
 * What a Service selects: every serving pod of the service, stable and canary
 * alike (their Deployments select narrower sets), never its admin Job pods.
 */
export function trafficSelector(app: ResolvedApp, svc: ResolvedService): Record<string, string> {
  return { [LABELS.instance]: app.name, [LABELS.service]: svc.name, [LABELS.component]: 'server' };
}

/** The label the mesh splits traffic on, present when a service has a canary. */
export const TRACK_LABEL = LABELS.track;

/** A service's labels per component, made once: every object of the service carries them. */
const labelsOfService = new WeakMap<ResolvedService, Map<string, Readonly<Record<string, string>>>>();

export function serviceLabels(app: ResolvedApp, svc: ResolvedService, component = 'server'): Record<string, string> {
  let byComponent = labelsOfService.get(svc);
  if (!byComponent) {
    byComponent = new Map();
    labelsOfService.set(svc, byComponent);
  }
  let labels = byComponent.get(component);
  if (!labels) {
    const version = labelValue(imageTag(svc.image) ?? '');
    labels = {
      ...appLabels(app),
      ...selectorLabels(app, svc),
      [LABELS.component]: component,
      [LABELS.service]: svc.name,
      ...(version ? { [LABELS.version]: version } : {}),
    };
    byComponent.set(component, labels);
  }
  // A copy: each object owns its labels.
  return { ...labels };
}

export function meta(app: ResolvedApp, name: string, labels: Record<string, string>, annotations?: Record<string, string>): ObjectMeta {
  return {
    name,
    namespace: app.namespace,
    labels,
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
  };
}

export { ANNOTATIONS, LABELS };
