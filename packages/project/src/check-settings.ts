import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECK_CONFIG_FILE, type CheckConfig, parseCheckConfig } from '@nimbus/check';
import { NimbusError } from '@nimbus/model/core';

/** Reads the check settings: the named file, or the first `.nimbus-check.yaml` found in the directories given. */
export async function readCheckConfig(explicit: string | undefined, searchDirs: readonly string[]): Promise<CheckConfig> {
  const candidates = explicit ? [explicit] : searchDirs.map((d) => join(d, CHECK_CONFIG_FILE));
  for (const path of candidates) {
    let text: string;
    try {
      // Synchronous: a small file read once at start-up, where a thread-pool round trip costs more.
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      if (explicit) throw new NimbusError('NIMBUS_FILE_NOT_FOUND', `cannot read check config ${path}`, { cause, location: { file: path } });
      continue;
    }
    return parseCheckConfig(text, path);
  }
  return {};
}
