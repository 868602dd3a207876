import type { Readable } from 'node:stream';
import { GoBuildInfoScanner, goPackages, type Package, parseApkInstalled, parseDpkgStatus, parseGoBuildInfo } from '@nimbus/check';
import { NimbusError } from '@nimbus/model';
import type Docker from 'dockerode';
import { extract } from 'tar-stream';

const DPKG = 'var/lib/dpkg/status';
const APK = 'lib/apk/db/installed';
const NPM = /(^|\/)node_modules\/((?:@[^/]+\/)?[^/@]+)\/package\.json$/;

/** Whether a path inside a layer is one the inventory reads. */
const wanted = (path: string) => path === DPKG || path === APK || NPM.test(path);
/** Executables this large may be Go programs carrying their module list; smaller ones are not worth streaming. */
const GO_CANDIDATE_BYTES = 512 * 1024;
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

type FileKind = 'file' | 'whiteout' | 'go-buildinfo';

/** Streams an executable, keeping only its Go build-info blob (if any), never the whole file. */
function scanExecutable(body: Readable, done: (blob: Buffer | undefined) => void): void {
  const scanner = new GoBuildInfoScanner();
  let first = true;
  let elf = false;
  body.on('data', (c: Buffer) => {
    if (first) {
      elf = c.subarray(0, 4).equals(ELF);
      first = false;
    }
    if (elf) scanner.push(c);
  });
  body.on('end', () => done(elf ? scanner.blob() : undefined));
}

async function readTar(
  stream: Readable,
  onFile: (name: string, body: Buffer | undefined, type: FileKind) => Promise<void> | void,
): Promise<void> {
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.on('entry', (header, body, next) => {
    const name = header.name.replace(/^\.\//, '');
    if (
      header.type === 'file' &&
      !name.endsWith('layer.tar') &&
      (header.mode ?? 0) & 0o111 &&
      (header.size ?? 0) >= GO_CANDIDATE_BYTES &&
      !wanted(name)
    ) {
      scanExecutable(body as unknown as Readable, (blob) => {
        void Promise.resolve(blob ? onFile(name, blob, 'go-buildinfo') : undefined).then(() => next());
      });
      return;
    }
    if (header.type !== 'file' || !(wanted(name) || name.endsWith('layer.tar') || name === 'manifest.json')) {
      if (/(^|\/)\.wh\./.test(name)) void Promise.resolve(onFile(name, undefined, 'whiteout')).then(() => body.resume());
      else body.resume();
      body.on('end', next);
      return;
    }
    if (name.endsWith('layer.tar')) {
      void readTar(body as unknown as Readable, (inner, b, t) => onFile(`${name}!${inner}`, b, t)).then(
        () => next(),
        (e: Error) => ex.destroy(e),
      );
      return;
    }
    const chunks: Buffer[] = [];
    body.on('data', (c: unknown) => chunks.push(c as Buffer));
    body.on('end', () => {
      void Promise.resolve(onFile(name, Buffer.concat(chunks), 'file')).then(() => next());
    });
  });
  stream.pipe(ex);
  await done;
}

/**
 * The packages inside an image: OS packages (dpkg, apk databases), npm
 * packages (package.json under node_modules) and the modules and toolchain
 * Go programs record in their build info, read from its exported layers in
 * order, so a later layer's change or deletion wins.
 */
export async function inventoryImage(docker: Docker, image: string): Promise<Package[]> {
  let stream: Readable;
  try {
    stream = (await docker.getImage(image).get()) as unknown as Readable;
  } catch (err) {
    throw new NimbusError('NIMBUS_DOCKER', `cannot export image ${image}: ${(err as Error).message}`, { cause: err });
  }
  const perLayer = new Map<string, LayerFiles>();
  let manifest: { Layers: string[] }[] = [];
  await readTar(stream, (name, body, kind) => {
    if (name === 'manifest.json' && body) {
      manifest = JSON.parse(body.toString('utf8'));
      return;
    }
    const [layer, path] = name.split('!') as [string, string];
    if (!path) return;
    const files: LayerFiles = perLayer.get(layer) ?? new Map();
    perLayer.set(layer, files);
    const whiteout = /(^|\/)\.wh\.([^/]+)$/.exec(path);
    if (whiteout) files.set(path.replace(/\.wh\.([^/]+)$/, '$1'), undefined);
    else if (body) files.set(path, { kind, body });
  });
  return packagesIn(mergeLayers(perLayer, manifest[0]?.Layers ?? [...perLayer.keys()]));
}

type LayerFiles = Map<string, { kind: FileKind; body: Buffer } | undefined>;

/** A whiteout deletes the path and everything under it from the layers below. */
function removeTree(files: Map<string, unknown>, path: string): void {
  for (const key of [...files.keys()]) if (key === path || key.startsWith(`${path}/`)) files.delete(key);
}

/** The image's files after applying its layers in order: later files win, whiteouts delete. */
function mergeLayers(perLayer: Map<string, LayerFiles>, order: string[]): Map<string, { kind: FileKind; body: Buffer }> {
  const merged = new Map<string, { kind: FileKind; body: Buffer }>();
  for (const layer of order) {
    for (const [path, file] of perLayer.get(layer) ?? []) {
      if (file) merged.set(path, file);
      else removeTree(merged, path);
    }
  }
  return merged;
}

function npmPackage(path: string, body: Buffer): Package | undefined {
  try {
    const pkg = JSON.parse(body.toString('utf8')) as { name?: string; version?: string };
    return pkg.name && pkg.version ? { ecosystem: 'npm', name: pkg.name, version: pkg.version, location: path } : undefined;
  } catch {
    // A malformed package.json is not a package.
    return undefined;
  }
}

function packagesIn(merged: Map<string, { kind: FileKind; body: Buffer }>): Package[] {
  const packages: Package[] = [];
  const dpkg = merged.get(DPKG);
  if (dpkg) packages.push(...parseDpkgStatus(dpkg.body.toString('utf8')));
  const apk = merged.get(APK);
  if (apk) packages.push(...parseApkInstalled(apk.body.toString('utf8')));
  for (const [path, file] of merged) {
    if (file.kind === 'go-buildinfo') {
      const info = parseGoBuildInfo(file.body);
      if (info) packages.push(...goPackages(info, path));
    } else if (NPM.test(path)) {
      const pkg = npmPackage(path, file.body);
      if (pkg) packages.push(pkg);
    }
  }
  return packages;
}
