/**
 * The built-in rules, written in the same rule language users write, so `nimbus guard --rules`
 * files can append to these lists, replace a macro or turn a rule off by name.
 */
export const BUILTIN_RULES_FILE = '<built-in rules>';

export const BUILTIN_RULES = `
- list: shell_binaries
  items: [sh, ash, bash, dash, zsh, ksh, mksh, csh, tcsh, fish, busybox, toybox]

- list: network_tools
  items: [nc, ncat, netcat, nc.openbsd, nc.traditional, socat, telnet, ssh, scp, sftp, ftp, tftp,
          curl, wget, nmap, rsync, dig, nslookup, nsenter]

- macro: new_process
  condition: evt.type = spawn and not evt.initial

- macro: exe_in_writable_dir
  condition: proc.exe startswith /tmp/ or proc.exe startswith /var/tmp/ or proc.exe startswith /dev/shm/ or proc.exe startswith /run/

- rule: shell_spawned
  desc: A shell started after the service did, by the service or by someone inside its container (kubectl exec).
  condition: new_process and proc.program in (shell_binaries)
  output: "Shell started in the service's container (program=%proc.program exe=%proc.exe cmdline=%proc.cmdline pid=%proc.pid parent=%proc.pcmdline uid=%proc.uid tty=%proc.tty)"
  severity: high
  tags: [process, shell, mitre_execution]

- rule: network_tool_spawned
  desc: A network tool (nc, curl, wget, ssh, ...) started inside the service's container.
  condition: new_process and proc.program in (network_tools)
  output: "Network tool started (program=%proc.program exe=%proc.exe cmdline=%proc.cmdline pid=%proc.pid parent=%proc.pcmdline uid=%proc.uid)"
  severity: high
  tags: [process, network, mitre_command_and_control]

- rule: exe_from_writable_dir
  desc: A program runs from a writable directory or from a file deleted after it started, as dropped payloads do.
  condition: new_process and (exe_in_writable_dir or proc.exe_deleted)
  output: "Program started from a writable or deleted file (exe=%proc.exe cmdline=%proc.cmdline pid=%proc.pid parent=%proc.pcmdline)"
  severity: high
  tags: [process, mitre_defense_evasion]

- rule: root_process
  desc: A process of the service runs as root; Nimbus workloads run as a non-root user.
  condition: evt.type = spawn and (proc.uid = 0 or proc.euid = 0)
  output: "Process running as root (exe=%proc.exe cmdline=%proc.cmdline pid=%proc.pid uid=%proc.uid euid=%proc.euid)"
  severity: medium
  tags: [process, privilege]

- rule: undeclared_outbound_connection
  desc: A connection to a destination that is not among the service's declared dependencies.
  condition: evt.type = connect and contract.loaded and not fd.declared
  output: "Outbound connection to an undeclared destination %fd.l4proto %fd.rip:%fd.rport (state=%fd.state exe=%proc.exe cmdline=%proc.cmdline pid=%proc.pid)"
  severity: high
  # The same program to the same destination is one finding, whatever state each connection was seen in.
  key: "%proc.exe %fd.l4proto %fd.rip:%fd.rport"
  tags: [network, mitre_exfiltration]

- rule: undeclared_listener
  desc: A listening port the spec does not declare.
  condition: evt.type = listen and contract.loaded and not fd.declared
  output: "Listening on an undeclared port %fd.l4proto %fd.lip:%fd.lport (exe=%proc.exe cmdline=%proc.cmdline pid=%proc.pid)"
  severity: high
  key: "%proc.exe %fd.l4proto %fd.lport"
  tags: [network, mitre_persistence]

- rule: world_writable_file
  desc: >-
    A file or directory in the service's paths became writable by anyone, or a file already is.
    Directories the platform made so (an emptyDir volume is 0777) are not reported for being there.
  condition: evt.type = file and fs.world_writable and (fs.became_world_writable or (evt.initial and fs.type = file))
  output: "World-writable file %fs.path (mode=%fs.mode uid=%fs.uid)"
  severity: medium
  tags: [filesystem]

- rule: new_executable_file
  desc: A file in the service's paths became executable after the guard started (a payload being prepared).
  condition: evt.type = file and not evt.initial and fs.became_executable
  output: "File made executable %fs.path (mode=%fs.mode uid=%fs.uid new=%fs.new)"
  severity: high
  tags: [filesystem, mitre_execution]

- rule: high_cpu
  desc: The service uses most of a core for a sustained sample.
  condition: evt.type = usage and usage.cpu_percent > 90
  output: "High CPU use: %usage.cpu_percent% of one core (processes=%usage.processes)"
  severity: low
  key: high_cpu
  tags: [usage]

- rule: high_memory
  desc: Memory in use is close to the limit; the kernel kills the container at the limit.
  condition: evt.type = usage and usage.memory_percent > 90
  output: "Memory at %usage.memory_percent% of the limit (%usage.memory_bytes of %usage.memory_limit_bytes bytes)"
  severity: medium
  key: high_memory
  tags: [usage]

- rule: disk_nearly_full
  desc: A watched file system is nearly full.
  condition: evt.type = usage and usage.disk_percent > 90
  output: "File system of %usage.disk_path at %usage.disk_percent% of its size"
  severity: medium
  key: disk_nearly_full
  tags: [usage]
`;
