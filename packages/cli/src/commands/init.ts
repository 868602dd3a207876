import { access, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { loadApp, NimbusError } from '@nimbus/model';
import { readSpecInputs, scoreFileReader } from '@nimbus/project';
import { toYaml } from '@nimbus/render';
import { type CliContext, note } from '../context.js';

export interface InitOptions {
  name?: string;
  fromScore?: string[];
  file: string;
  force?: boolean;
}

export function starterSpec(name: string): string {
  return `# yaml-language-server: $schema=https://nimbus.dev/schema/nimbus.v1alpha1.json
apiVersion: nimbus.dev/v1alpha1
kind: App
metadata:
  name: ${name}
spec:
  services:
    web:
      image: ghcr.io/example/${name}-web:0.1.0
      ports:
        - { name: http, port: 8080 }
      env:
        LOG_LEVEL: info
      autoscaling: { min: 2, max: 5, cpu: 70 }
      # expose:
      #   host: ${name}.example.com
  # resources:
  #   db: { type: postgres, namespace: database }
  environments:
    dev:
      services:
        web:
          autoscaling: null
          replicas: 1
`;
}

function defaultName(cwd: string): string {
  const base = basename(cwd)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  return base.slice(0, 63) || 'app';
}

export async function runInit(opts: InitOptions, ctx: CliContext): Promise<number> {
  const target = resolve(ctx.cwd, opts.file);
  if (!opts.force) {
    const exists = await access(target).then(
      () => true,
      () => false,
    );
    if (exists) {
      throw new NimbusError('NIMBUS_OUTPUT', `${opts.file} already exists`, {
        hint: 'pass --force to overwrite it, or --file to write elsewhere',
      });
    }
  }
  let text: string;
  if (opts.fromScore && opts.fromScore.length > 0) {
    const inputs = await readSpecInputs(opts.fromScore, ctx.cwd);
    const loaded = loadApp(inputs, { appName: opts.name, readFile: scoreFileReader(ctx.cwd) });
    text = `# Converted from ${opts.fromScore.join(', ')} by nimbus init\n${toYaml(loaded.spec)}`;
  } else {
    text = starterSpec(opts.name ?? defaultName(ctx.cwd));
  }
  if (opts.file === '-') ctx.stdout.write(text);
  else {
    await writeFile(target, text);
    note(ctx, `wrote ${opts.file}`);
  }
  return 0;
}
