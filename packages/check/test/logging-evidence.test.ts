import { structuredLoggerIn } from '@nimbus/check';
import { describe, expect, it } from 'vitest';

describe('structured logger evidence in dependency manifests', () => {
  it('finds JSON loggers among runtime dependencies only', () => {
    expect(structuredLoggerIn('package.json', '{"dependencies":{"express":"^5","pino":"^10"}}')).toBe('pino');
    expect(structuredLoggerIn('package.json', '{"dependencies":{"@nimbus/runtime":"0.1.0"}}')).toBe('@nimbus/runtime');
    // A logger used only by tests says nothing about the service's output.
    expect(structuredLoggerIn('package.json', '{"devDependencies":{"pino":"^10"}}')).toBeUndefined();
    expect(structuredLoggerIn('package.json', '{not json')).toBeUndefined();
  });

  it('reads go.mod require lines and blocks', () => {
    expect(structuredLoggerIn('go.mod', 'module x\n\nrequire go.uber.org/zap v1.27.0\n')).toBe('go.uber.org/zap');
    expect(structuredLoggerIn('go.mod', 'module x\n\nrequire (\n\tgithub.com/rs/zerolog v1.33.0 // indirect\n)\n')).toBe(
      'github.com/rs/zerolog',
    );
    expect(structuredLoggerIn('go.mod', 'module x\n\nrequire github.com/sirupsen/logrus v1.9.3\n')).toBeUndefined();
  });

  it('reads Python requirements and pyproject dependencies, inline or one per line', () => {
    expect(structuredLoggerIn('requirements.txt', 'flask==3.0.0\nstructlog>=24.1 ; python_version>"3.8"\n')).toBe('structlog');
    expect(structuredLoggerIn('requirements.txt', '# structlog is not used\nflask\n')).toBeUndefined();
    expect(structuredLoggerIn('pyproject.toml', '[project]\ndependencies = ["fastapi>=0.110", "python-json-logger~=2.0"]\n')).toBe(
      'python-json-logger',
    );
  });
});
