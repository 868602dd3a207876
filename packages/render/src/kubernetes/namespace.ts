import type { KubeObject } from '../object.js';
import type { ResolvedApp } from '../resolve.js';
import { appLabels } from './meta.js';

/** The app's namespace, with Pod Security admission enforced by the API server itself. */
export function namespace(app: ResolvedApp): KubeObject {
  const level = app.podSecurity;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: app.namespace,
      labels: {
        ...appLabels(app),
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  };
}
