import { describe, expect, it } from 'vitest';
import type { GuardEvent, ProcessInfo } from '../src/events.js';
import { programOf } from '../src/events.js';
import { loadRules } from '../src/guard.js';
import { compileCondition, renderOutput } from '../src/rules/condition.js';
import { GuardRuleError, RuleSet } from '../src/rules/ruleset.js';

function proc(exe: string, argv: string[], extra: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid: 42,
    ppid: 7,
    comm: exe.split('/').pop() ?? '',
    exe,
    argv,
    uid: 10001,
    euid: 10001,
    gid: 10001,
    tty: false,
    startTime: 1,
    parent: undefined,
    ...extra,
  };
}

const spawn = (p: ProcessInfo, initial = false): GuardEvent => ({
  type: 'spawn',
  time: 0,
  initial,
  values: { 'contract.loaded': true },
  process: p,
});
const connect = (rip: string, rport: number, declared: boolean): GuardEvent => ({
  type: 'connect',
  time: 0,
  initial: false,
  values: {
    'contract.loaded': true,
    'fd.rip': rip,
    'fd.rport': rport,
    'fd.declared': declared,
    'fd.l4proto': 'tcp',
    'fd.state': 'ESTABLISHED',
  },
});

const defs = {
  lists: new Map([['shells', ['sh', 'bash']]]),
  macros: new Map([
    ['spawned', 'evt.type = spawn'],
    ['loop_a', 'loop_b'],
    ['loop_b', 'loop_a'],
  ]),
};

describe('the condition language', () => {
  const sh = spawn(proc('/bin/bash', ['bash', '-c', 'id']));
  const cases: [string, GuardEvent, boolean][] = [
    ['evt.type = spawn', sh, true],
    ['evt.type != spawn', sh, false],
    ['spawned and proc.program in (shells)', sh, true],
    ['spawned and proc.program in (zsh, shells)', sh, true],
    ['spawned and not proc.program in (shells)', sh, false],
    ["proc.args = '-c id'", sh, true],
    ['proc.cmdline contains "-c"', sh, true],
    ['proc.exe startswith /bin/ and proc.exe endswith bash', sh, true],
    ['proc.exe glob /bin/*sh', sh, true],
    ['proc.uid >= 10000 and proc.uid < 20000', sh, true],
    ['proc.uid > 10001 or (proc.tty or proc.exe_name = bash)', sh, true],
    ['proc.pname exists', sh, false],
    // A field the event does not have makes every comparison false, never an error.
    ['fd.rport = 22', sh, false],
    ['not fd.rport = 22', sh, true],
    ['evt.type = connect and not fd.declared', connect('10.0.0.9', 22, false), true],
    ['evt.type = connect and not fd.declared', connect('10.0.0.9', 22, true), false],
    ['fd.rport in (22, 2222)', connect('10.0.0.9', 22, false), true],
    ['fd.rip = 10.0.0.9 and fd.rport = 22', connect('10.0.0.9', 22, false), true],
    ['true and not false', sh, true],
  ];
  it.each(cases)('%s', (condition, event, expected) => {
    expect(compileCondition(condition, defs)(event)).toBe(expected);
  });

  const faults: [string, RegExp][] = [
    ['proc.nmae = sh', /unknown field or macro 'proc.nmae'/],
    ['proc.uid = root', /'root' is not a number/],
    ['proc.exe > 3', /compares numbers/],
    ['proc.exe', /is a string; compare it/],
    ['evt.type = spawn and', /ends where a condition belongs/],
    ['evt.type = spawn proc.uid = 0', /unexpected 'proc.uid'/],
    ['proc.program in sh', /expected '\(' after 'in'/],
    ['(evt.type = spawn', /ends where '\)' belongs/],
    ['loop_a', /refers to itself/],
    ["proc.exe = 'unterminated", /unterminated string/],
    ['', /empty/],
  ];
  it.each(faults)('rejects %s', (condition, message) => {
    expect(() => compileCondition(condition, defs)).toThrow(message);
  });

  it('suggests the field that was meant', () => {
    try {
      compileCondition('proc.nmae = sh', defs);
      expect.unreachable();
    } catch (err) {
      expect((err as { hint: string }).hint).toBe("did you mean 'proc.name'?");
      expect((err as { offset: number }).offset).toBe(0);
    }
  });

  it('fills output templates with the event, <NA> for what it lacks', () => {
    expect(renderOutput('shell %proc.exe (%proc.cmdline) to %fd.rip at 100%', sh)).toBe('shell /bin/bash (bash -c id) to <NA> at 100%');
  });
});

describe('the program a process runs is judged by exe and argv', () => {
  it.each([
    [proc('/bin/busybox', ['nc', '-w', '1', 'host', '80']), 'nc'],
    [proc('/bin/busybox', ['/bin/sh', '-c', 'x']), 'sh'],
    [proc('/bin/busybox', ['busybox', 'wget', 'x']), 'wget'],
    [proc('/usr/bin/dash', ['innocent-name']), 'dash'],
    [proc('/usr/bin/curl', ['curl', 'x']), 'curl'],
    [proc('', ['kworker'], { comm: 'kworker/0:1' }), 'kworker/0:1'],
  ])('%o → %s', (p, program) => {
    expect(programOf(p)).toBe(program);
  });
});

describe('rule files', () => {
  it('load the built-in set', () => {
    const names = loadRules().map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'shell_spawned',
        'network_tool_spawned',
        'undeclared_outbound_connection',
        'undeclared_listener',
        'world_writable_file',
        'new_executable_file',
        'root_process',
        'high_cpu',
      ]),
    );
  });

  it('override built-in rules by name, append to lists and add rules', () => {
    const user = `
- rule: root_process
  enabled: false
- list: network_tools
  items: [my-tool]
  append: true
- rule: shell_spawned
  severity: critical
- rule: python_inline
  condition: evt.type = spawn and proc.program glob "python*" and proc.args startswith -c
  output: Inline Python (%proc.cmdline)
  priority: WARNING
  tags: [process]
`;
    const rules = loadRules([{ text: user, file: 'team.yaml' }]);
    const byName = new Map(rules.map((r) => [r.name, r]));
    expect(byName.has('root_process')).toBe(false);
    expect(byName.get('shell_spawned')?.severity).toBe('critical');
    expect(byName.get('python_inline')?.severity).toBe('medium');
    const tool = spawn(proc('/opt/my-tool', ['my-tool']));
    expect(byName.get('network_tool_spawned')?.matches(tool)).toBe(true);
    expect(byName.get('network_tool_spawned')?.matches(spawn(proc('/usr/bin/curl', ['curl'])))).toBe(true);
  });

  it('do not fire on the baseline for process rules that look for new processes', () => {
    const shell = loadRules().find((r) => r.name === 'shell_spawned');
    expect(shell?.matches(spawn(proc('/bin/sh', ['sh']), true))).toBe(false);
    expect(shell?.matches(spawn(proc('/bin/sh', ['sh']), false))).toBe(true);
  });

  const broken: [string, string, RegExp][] = [
    [
      '- rule: x\n  condition: proc.nmae = sh\n  output: o\n',
      'team.yaml:2:14',
      /rule 'x': unknown field or macro 'proc.nmae'.*did you mean 'proc.name'/,
    ],
    ['- rule: x\n  condition: "evt.type = spawn and proc.uid = root"\n  output: o\n', 'team.yaml:2:47', /'root' is not a number/],
    ['- rule: x\n  condition: evt.type = spawn\n', 'team.yaml:1:3', /has no `output`/],
    ['- rule: x\n  condition: evt.type = spawn\n  output: o\n  severity: urgent\n', 'team.yaml:4:13', /unknown severity 'urgent'/],
    ['- rule: x\n  conditon: evt.type = spawn\n  output: o\n', 'team.yaml:2:3', /unknown field `conditon`.*did you mean `condition`/],
    ['- macro: m\n  condition: evt.typ = spawn\n', 'team.yaml:2:14', /macro 'm': unknown field or macro 'evt.typ'/],
    ['rule: x\n', 'team.yaml:1:1', /a list of `list`, `macro` and `rule` items/],
    ['- rule: x\n  output: [unclosed\n', 'team.yaml:', /not valid YAML/],
    ['- thing: x\n', 'team.yaml:1:3', /needs `list`, `macro` or `rule`/],
  ];
  it.each(broken)('name the file, line and column of a fault: %s', (text, location, message) => {
    try {
      loadRules([{ text, file: 'team.yaml' }]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(GuardRuleError);
      expect((err as GuardRuleError).code).toBe('NIMBUS_GUARD_RULE');
      expect((err as Error).message.startsWith(location)).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('list every rule, enabled or not', () => {
    const set = new RuleSet().add('- rule: a\n  condition: "true"\n  output: o\n  enabled: false\n', 'a.yaml');
    expect(set.all().map((r) => [r.name, r.enabled])).toEqual([['a', false]]);
    expect(set.compile()).toEqual([]);
  });
});
