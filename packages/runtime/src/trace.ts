import { randomFillSync } from 'node:crypto';

// Ids are cut from a pooled string of random hex: one system call and one
// hex conversion per 4 KiB of randomness, not two per request.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let hexPool = '';
let offset = 0;

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  const chars = bytes * 2;
  if (offset + chars > hexPool.length) {
    randomFillSync(pool);
    hexPool = pool.toString('hex');
    offset = 0;
  }
  const hex = hexPool.slice(offset, offset + chars);
  offset += chars;
  return hex;
}

export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Reads a W3C `traceparent` header; invalid or all-zero ids count as absent. */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  const m = header ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (!m || /^0+$/.test(m[1] as string) || /^0+$/.test(m[2] as string)) return undefined;
  return { traceId: m[1] as string, spanId: m[2] as string, sampled: (Number.parseInt(m[3] as string, 16) & 1) === 1 };
}

/** The context for this hop: the caller's trace with a new span, or a new trace. */
export function childContext(parent: TraceContext | undefined): TraceContext {
  return {
    traceId: parent?.traceId ?? randomHex(16),
    spanId: randomHex(8),
    sampled: parent?.sampled ?? true,
  };
}

export function formatTraceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.sampled ? '01' : '00'}`;
}
