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

export function serviceLabels(app: ResolvedApp, svc: ResolvedService, component = 'server'): Record<string, string> {
  const version = labelValue(imageTag(svc.image) ?? '');
  return {
    ...appLabels(app),
    ...selectorLabels(app, svc),
    [LABELS.component]: component,
    [LABELS.service]: svc.name,
    ...(version ? { [LABELS.version]: version } : {}),
  };
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
