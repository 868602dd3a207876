export interface CrdSourceSpec {
  module: string;
  version: string;
  files: string[];
}
export const CRD_SOURCES: CrdSourceSpec[];
export function moduleDir(module: string, version: string): string;
export function crdsOf(source: CrdSourceSpec): unknown[];
export function buildCrdBundle(sources?: CrdSourceSpec[]): Promise<import('@nimbus/check').CrdSchemaBundle>;
