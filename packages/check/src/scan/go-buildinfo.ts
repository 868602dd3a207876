import type { Package } from './osv.js';

/** The 14 bytes that open a Go binary's build-info blob (section `.go.buildinfo`). */
export const GO_BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_SIZE = 32;
const FLAG_INLINE_STRINGS = 0x2;

export interface GoBuildInfo {
  /** Toolchain, e.g. `go1.24.6`. */
  goVersion: string;
  /** The main package's path, e.g. `sigs.k8s.io/kwok/cmd/kwok`. */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
}

export interface GoModule {
  path: string;
  version: string;
  /** What a `replace` directive substituted, if anything. */
  replacedBy?: { path: string; version: string };
}

function uvarint(bytes: Buffer, at: number): [value: number, next: number] | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < bytes.length && shift < 35; i++) {
    const b = bytes[i] as number;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i + 1];
    shift += 7;
  }
  return undefined;
}

function inlineString(bytes: Buffer, at: number): [text: string, next: number] | undefined {
  const len = uvarint(bytes, at);
  if (!len || len[1] + len[0] > bytes.length) return undefined;
  return [bytes.toString('utf8', len[1], len[1] + len[0]), len[1] + len[0]];
}

/**
 * Reads the build info at the start of `blob` (which begins with the magic).
 * Only the layout of Go 1.18 and later, where the strings follow the header;
 * older binaries point into their data segment and report nothing here.
 */
export function parseGoBuildInfo(blob: Buffer): GoBuildInfo | undefined {
  if (blob.length < HEADER_SIZE || !blob.subarray(0, GO_BUILDINFO_MAGIC.length).equals(GO_BUILDINFO_MAGIC)) return undefined;
  if (((blob[15] as number) & FLAG_INLINE_STRINGS) === 0) return undefined;
  const version = inlineString(blob, HEADER_SIZE);
  if (!version) return undefined;
  const mod = inlineString(blob, version[1]);
  let modinfo = mod?.[0] ?? '';
  // The module text is framed by 16 sentinel bytes on each side.
  if (modinfo.length >= 33 && modinfo[modinfo.length - 17] === '\n') modinfo = modinfo.slice(16, -16);
  return { goVersion: version[0], ...parseModinfo(modinfo) };
}

function parseModinfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const out: Omit<GoBuildInfo, 'goVersion'> = { deps: [] };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const [kind, path = '', version = ''] = line.split('\t');
    if (kind === 'path') out.path = path;
    else if (kind === 'mod') {
      last = { path, version };
      out.main = last;
    } else if (kind === 'dep') {
      last = { path, version };
      out.deps.push(last);
    } else if (kind === '=>' && last) last.replacedBy = { path, version };
  }
  return out;
}

/**
 * The Go ecosystem packages (OSV names) a binary carries: its modules (as
 * replaced, when a replacement has a version), its main module when it has a
 * real version, and the standard library of its toolchain.
 */
export function goPackages(info: GoBuildInfo, location: string): Package[] {
  const packages: Package[] = [];
  const add = (m: GoModule) => {
    const effective = m.replacedBy?.version ? m.replacedBy : m;
    if (effective.version && effective.version !== '(devel)') {
      packages.push({ ecosystem: 'Go', name: effective.path, version: effective.version, location });
    }
  };
  if (info.main) add(info.main);
  for (const d of info.deps) add(d);
  const toolchain = /^go(\d+\.\d+(?:\.\d+)?)/.exec(info.goVersion);
  if (toolchain) packages.push({ ecosystem: 'Go', name: 'stdlib', version: toolchain[1] as string, location });
  return packages;
}

/**
 * Finds the build-info blob in a stream of an executable's bytes without
 * holding the whole file: feed chunks, then `blob()` returns the bytes from the
 * magic on (capped), or undefined when the file has none.
 */
export class GoBuildInfoScanner {
  private tail = Buffer.alloc(0);
  /** File offset of `tail[0]`. */
  private tailStart = 0;
  private captured: Buffer[] = [];
  private capturedBytes = 0;
  private found = false;

  constructor(private readonly limit = 512 * 1024) {}

  push(chunk: Buffer): void {
    if (this.found) {
      if (this.capturedBytes < this.limit) {
        this.captured.push(chunk);
        this.capturedBytes += chunk.length;
      }
      return;
    }
    const overlap = GO_BUILDINFO_MAGIC.length - 1;
    if (chunk.length <= overlap) {
      // Tiny chunks: search them together with what came before.
      const window = Buffer.concat([this.tail, chunk]);
      if (!this.capture(window, this.tailStart, [])) this.keepTail(window, this.tailStart);
      return;
    }
    // A match across the seam lies in the last bytes kept and this chunk's first ones; any other lies in the chunk,
    // which is searched where it is (no copy of every chunk of a large executable).
    const seamRest = chunk.subarray(overlap);
    if (this.tail.length && this.capture(Buffer.concat([this.tail, chunk.subarray(0, overlap)]), this.tailStart, [seamRest])) return;
    const chunkStart = this.tailStart + this.tail.length;
    if (!this.capture(chunk, chunkStart, [])) this.keepTail(chunk, chunkStart);
  }

  /** Starts capturing at the first 16-byte aligned magic in `bytes` (at file offset `start`), followed by `more`. */
  private capture(bytes: Buffer, start: number, more: Buffer[]): boolean {
    // The linker aligns the blob to 16 bytes in the file, so an unaligned match is some other string.
    let at = bytes.indexOf(GO_BUILDINFO_MAGIC);
    while (at >= 0 && (start + at) % 16 !== 0) at = bytes.indexOf(GO_BUILDINFO_MAGIC, at + 1);
    if (at < 0) return false;
    this.found = true;
    this.captured = [bytes.subarray(at), ...more];
    this.capturedBytes = this.captured.reduce((n, b) => n + b.length, 0);
    return true;
  }

  private keepTail(bytes: Buffer, start: number): void {
    const keep = Math.min(bytes.length, GO_BUILDINFO_MAGIC.length - 1);
    this.tailStart = start + bytes.length - keep;
    this.tail = Buffer.from(bytes.subarray(bytes.length - keep));
  }

  blob(): Buffer | undefined {
    return this.found ? Buffer.concat(this.captured).subarray(0, this.limit) : undefined;
  }
}
