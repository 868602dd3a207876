export { ANNOTATIONS, LABELS, MANAGED_BY } from '@nimbus/model';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A label value, or undefined when the text cannot be one (Kubernetes limits: 63 chars, restricted alphabet). */
export function labelValue(text: string): string | undefined {
  return text.length <= 63 && LABEL_VALUE.test(text) ? text : undefined;
}

/** The tag of an image reference, if it has one (digests are not tags). */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > lastSlash ? withoutDigest.slice(lastColon + 1) : undefined;
}
