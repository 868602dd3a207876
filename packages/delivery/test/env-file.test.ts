import { parseEnvFile } from '@nimbus/delivery/managers';
import { describe, expect, it } from 'vitest';

describe('parseEnvFile', () => {
  it('reads KEY=value lines with comments, quotes and export prefixes', () => {
    const text =
      '# settings\nexport LOG_LEVEL=info\nGREETING="hello world"\nRAW=\'a #b\'\nEMPTY=\nURL=postgres://db:5432/x # inline comment\nMULTI="line1\\nline2"\n';
    expect(parseEnvFile(text)).toEqual({
      LOG_LEVEL: 'info',
      GREETING: 'hello world',
      RAW: 'a #b',
      EMPTY: '',
      URL: 'postgres://db:5432/x',
      MULTI: 'line1\nline2',
    });
  });
  it('names the file and line of a malformed entry', () => {
    expect(() => parseEnvFile('OK=1\nnot a pair\n', 'app.env')).toThrow(/app\.env:2: expected KEY=value/);
  });
});
