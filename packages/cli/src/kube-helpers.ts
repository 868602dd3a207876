export type { KubeClient } from '@nimbus/kube';

/** Pods of one service of an app, by the selector labels Nimbus renders. */
export const LABELS_SELECTOR = (app: string, service: string) => `app.kubernetes.io/instance=${app},app.kubernetes.io/name=${service}`;
