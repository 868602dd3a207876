import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OsvAdvisory } from '@nimbus/check';
import { NimbusError } from '@nimbus/model';

/** Reads every OSV advisory (*.json, nested directories too) under a directory. */
export async function readAdvisories(dir: string): Promise<OsvAdvisory[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true })) as string[];
  } catch (cause) {
    throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `cannot read the advisory directory ${dir}`, {
      cause,
      hint: 'pass --advisories DIR with OSV JSON files (one advisory per file)',
    });
  }
  const files = entries.filter((e) => e.endsWith('.json')).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as OsvAdvisory));
}
