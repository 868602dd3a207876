import { NimbusError } from '@nimbus/model';

/**
 * The Prometheus HTTP API, instant queries only: the one call canary analysis makes. An empty
 * result is `undefined` (no data), never 0, so "no traffic" and "no errors" stay apart.
 */
export async function queryPrometheus(baseUrl: string, expr: string, timeoutMs = 5000): Promise<number | undefined> {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/query?${new URLSearchParams({ query: expr })}`;
  let body: { status: string; error?: string; data?: { resultType: string; result: { value?: [number, string] }[] | [number, string] } };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new NimbusError('NIMBUS_PROMETHEUS', `Prometheus at ${baseUrl} did not answer: ${(err as Error).message}`);
  }
  if (body.status !== 'success')
    throw new NimbusError('NIMBUS_PROMETHEUS', `Prometheus refused the query: ${body.error ?? 'unknown error'}`, { hint: expr });
  const data = body.data;
  const vector = (data?.result ?? []) as { value?: [number, string] }[];
  const raw = data?.resultType === 'scalar' ? (data.result as [number, string])[1] : vector[0]?.value?.[1];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}
