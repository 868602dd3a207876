import { GO_BUILDINFO_MAGIC, GoBuildInfoScanner, goPackages, parseGoBuildInfo } from '@nimbus/check';
import { describe, expect, it } from 'vitest';

const uvarint = (n: number) => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
};
const str = (s: string) => Buffer.concat([uvarint(Buffer.byteLength(s)), Buffer.from(s)]);

/** A Go 1.18+ build-info blob: 32-byte header (magic, pointer size, flags), then version and module text. */
function blob(goVersion: string, modinfo: string, flags = 0x2): Buffer {
  const header = Buffer.alloc(32);
  GO_BUILDINFO_MAGIC.copy(header);
  header[14] = 8;
  header[15] = flags;
  const sentinel = Buffer.alloc(16, 0x30);
  const framed = modinfo ? Buffer.concat([sentinel, Buffer.from(modinfo), sentinel]).toString('latin1') : '';
  return Buffer.concat([header, str(goVersion), str(framed)]);
}

const MODINFO = [
  'path\texample.com/shop/cmd/api',
  'mod\texample.com/shop\tv1.4.2\th1:abc=',
  'dep\tgolang.org/x/net\tv0.17.0\th1:def=',
  'dep\tgithub.com/old/lib\tv1.0.0',
  '=>\tgithub.com/fork/lib\tv1.0.3\th1:ghi=',
  'dep\texample.com/local\tv0.0.0',
  '=>\t../local\t',
  'build\t-trimpath=true',
  '',
].join('\n');

describe('Go build info', () => {
  it('reads toolchain, main module, dependencies and replacements', () => {
    const info = parseGoBuildInfo(blob('go1.24.6', MODINFO));
    expect(info).toMatchObject({
      goVersion: 'go1.24.6',
      path: 'example.com/shop/cmd/api',
      main: { path: 'example.com/shop', version: 'v1.4.2' },
    });
    expect(info?.deps).toHaveLength(3);
    expect(info?.deps[1]?.replacedBy).toEqual({ path: 'github.com/fork/lib', version: 'v1.0.3' });
    expect(goPackages(info as NonNullable<typeof info>, 'app').map((p) => `${p.name}@${p.version}`)).toEqual([
      'example.com/shop@v1.4.2',
      'golang.org/x/net@v0.17.0',
      // The replacement is what the binary contains.
      'github.com/fork/lib@v1.0.3',
      // A local replacement has no version: the original requirement is kept.
      'example.com/local@v0.0.0',
      'stdlib@1.24.6',
    ]);
  });

  it('skips a development main module and reports nothing for pre-1.18 layouts or foreign bytes', () => {
    const dev = parseGoBuildInfo(blob('go1.22.1', 'path\tx/cmd\nmod\tx\t(devel)\t\n'));
    expect(goPackages(dev as NonNullable<typeof dev>, 'x').map((p) => p.name)).toEqual(['stdlib']);
    expect(parseGoBuildInfo(blob('go1.17', MODINFO, 0x0))).toBeUndefined();
    expect(parseGoBuildInfo(Buffer.from('not a go binary at all, not at all'))).toBeUndefined();
  });

  it('finds the 16-byte aligned blob in a stream whatever the chunk boundaries', () => {
    // A stray, unaligned copy of the magic first (as in a program that looks for Go binaries), then the real blob at 5008.
    const decoy = Buffer.concat([Buffer.alloc(100, 0x90), GO_BUILDINFO_MAGIC, Buffer.from([1, 2, 0xff, 0xff])]);
    const payload = Buffer.concat([decoy, Buffer.alloc(5008 - decoy.length, 0x90), blob('go1.23.0', MODINFO), Buffer.alloc(3000, 0x00)]);
    for (const size of [1, 7, 13, 14, 15, 64, 4096, 5010, payload.length]) {
      const scanner = new GoBuildInfoScanner();
      for (let i = 0; i < payload.length; i += size) scanner.push(payload.subarray(i, i + size));
      const info = parseGoBuildInfo(scanner.blob() as Buffer);
      expect(info?.goVersion, `chunk size ${size}`).toBe('go1.23.0');
      expect(info?.deps).toHaveLength(3);
    }
    const none = new GoBuildInfoScanner();
    none.push(Buffer.alloc(10_000, 0x41));
    expect(none.blob()).toBeUndefined();
  });
});
