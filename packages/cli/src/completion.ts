import type { Command } from '@commander-js/extra-typings';
import { NimbusError } from '@nimbus/model';

interface CommandInfo {
  name: string;
  flags: string[];
  description: string;
}

/** Every subcommand with its long and short flags, read from the command tree itself. */
function commandsOf(program: Command<unknown[], Record<string, unknown>>): CommandInfo[] {
  const walk = (cmd: Command<unknown[], Record<string, unknown>>, prefix: string): CommandInfo[] =>
    (cmd.commands as unknown as Command<unknown[], Record<string, unknown>>[]).flatMap((c) => {
      const name = prefix ? `${prefix} ${c.name()}` : c.name();
      const flags = c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));
      return [{ name, flags: [...flags, '--help'], description: c.description() }, ...walk(c, name)];
    });
  return walk(program, '');
}

const globalFlags = (program: Command<unknown[], Record<string, unknown>>) =>
  program.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f));

function bash(program: Command<unknown[], Record<string, unknown>>): string {
  const commands = commandsOf(program).filter((c) => !c.name.includes(' '));
  const cases = commandsOf(program)
    .map((c) => `    "${c.name}") flags="${c.flags.join(' ')}" ;;`)
    .join('\n');
  return `# nimbus completion for bash (and zsh through bashcompinit): source <(nimbus completion bash)
_nimbus() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" sub="" flags=""
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) if [ -z "$sub" ]; then sub="\${COMP_WORDS[i]}"; elif [ "$sub" = gitops ]; then sub="gitops \${COMP_WORDS[i]}"; fi ;; esac
  done
  if [ -z "$sub" ]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} ${globalFlags(program).join(' ')}" -- "$cur"))
    return
  fi
  case "$sub" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$flags ${globalFlags(program).join(' ')}" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F _nimbus nimbus
`;
}

function fish(program: Command<unknown[], Record<string, unknown>>): string {
  const top = commandsOf(program).filter((c) => !c.name.includes(' '));
  const lines = ['# nimbus completion for fish: nimbus completion fish > ~/.config/fish/completions/nimbus.fish', 'complete -c nimbus -f'];
  for (const c of top)
    lines.push(`complete -c nimbus -n '__fish_use_subcommand' -a '${c.name}' -d '${c.description.replace(/'/g, "\\'").slice(0, 60)}'`);
  for (const c of commandsOf(program)) {
    const last = c.name.split(' ').pop() as string;
    for (const f of c.flags)
      lines.push(
        `complete -c nimbus -n '__fish_seen_subcommand_from ${last}' ${f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** `nimbus completion bash|zsh|fish`. */
export function completionScript(shell: string, program: Command<unknown[], Record<string, unknown>>): string {
  if (shell === 'bash') return bash(program);
  if (shell === 'zsh')
    return `# nimbus completion for zsh: source <(nimbus completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bash(program)}`;
  if (shell === 'fish') return fish(program);
  throw new NimbusError('NIMBUS_USAGE', `no completion for the shell '${shell}'`, { hint: 'bash, zsh or fish' });
}
