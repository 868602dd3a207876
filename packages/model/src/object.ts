/**
 * Identity of Kubernetes objects, shared by every package: what render
 * returns, what check reports on, what the adapters apply and delete.
 */

/** A Kubernetes object as plain data. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** Points at one object: enough to GET, DELETE or report on it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** `kind/namespace/name`, the identity Nimbus uses for inventories and findings. */
export function objectKey(o: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** The same key as {@link objectKey}, for a reference. */
export function refKey(r: Pick<ObjectRef, 'kind' | 'name' | 'namespace'>): string {
  return `${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/** The reference of an object; `namespace` is left out (not set to undefined) for cluster-scoped ones. */
export function refOf(o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): ObjectRef {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  };
}

/** `Kind namespace/name` as people read it in messages. */
export function describeRef(r: Pick<ObjectRef, 'kind' | 'name' | 'namespace'>): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}
