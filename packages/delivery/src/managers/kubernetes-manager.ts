import type { KubeClient } from '@nimbus/kube';
import { type KubeObject, LABELS, type ObjectRef } from '@nimbus/model';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '@nimbus/render';

export interface ServicePortSpec {
  port: number;
  targetPort?: number | string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  name?: string;
}

export interface IngressRuleSpec {
  host: string;
  paths: { path: string; pathType?: 'Prefix' | 'Exact' | 'ImplementationSpecific'; serviceName: string; servicePort: number }[];
}

/**
 * The seed's Kubernetes operations as a library, done right: every call is a
 * server-side apply (idempotent: call it twice, get the same object), one
 * container carries all ports, failures throw typed errors.
 */
export class KubernetesManager {
  constructor(private readonly client: KubeClient) {}

  createNamespace(name: string, labels: Record<string, string> = {}): Promise<KubeObject> {
    return this.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  }

  createDeployment(name: string, namespace: string, image: string, replicas = 3, ports: number[] = [8080]): Promise<KubeObject> {
    const labels = { [LABELS.name]: name };
    return this.client.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: restrictedPodSecurityContext(),
            containers: [
              {
                name,
                image,
                ports: ports.map((p, i) => ({ name: i === 0 ? 'http' : `port-${i}`, containerPort: p })),
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
          },
        },
      },
    });
  }

  createService(name: string, namespace: string, selector: Record<string, string>, ports: ServicePortSpec[]): Promise<KubeObject> {
    return this.client.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: ports.map((p, i) => ({
          name: p.name ?? `port-${i}`,
          port: p.port,
          targetPort: p.targetPort ?? p.port,
          protocol: p.protocol ?? 'TCP',
        })),
      },
    });
  }

  createIngress(name: string, namespace: string, rules: IngressRuleSpec[], annotations: Record<string, string> = {}): Promise<KubeObject> {
    return this.client.apply({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name, namespace, ...(Object.keys(annotations).length ? { annotations } : {}) },
      spec: {
        rules: rules.map((r) => ({
          host: r.host,
          http: {
            paths: r.paths.map((p) => ({
              path: p.path,
              pathType: p.pathType ?? 'Prefix',
              backend: { service: { name: p.serviceName, port: { number: p.servicePort } } },
            })),
          },
        })),
      },
    });
  }

  /** Sets the replica count through the scale subresource, as `kubectl scale` does. */
  async scaleDeployment(name: string, namespace: string, replicas: number): Promise<void> {
    await this.client.scale({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace }, replicas);
  }

  getPodLogs(podName: string, namespace: string, container?: string, tailLines = 100): Promise<string> {
    return this.client.podLogs(namespace, podName, { container, tailLines });
  }

  delete(ref: ObjectRef): Promise<boolean> {
    return this.client.delete(ref);
  }
}
