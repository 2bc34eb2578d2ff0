/**
 * Every rule id `analyzeCommand` can report, with what the rule stands for. The ids are stable: match on
 * them (a `CommandFinding.rule`, or the `(rule ...)` in the safety middleware's reason).
 */
export const COMMAND_RULES = {
  'recursive-delete':
    'a recursive delete (rm -r, find -delete, mv away, rsync --delete, tar --remove-files, interpreter rmtree) of the root, home, workspace, their ancestors, system directories, home dot-directories, or a target it cannot resolve',
  'delete-system-files': 'a delete of a system file (/etc, /boot, binaries, libraries)',
  'wipe-device': 'shred or wipe of a device or of a protected directory',
  'recursive-permissions': 'chmod/chown -R of system paths, or world-writable modes on them',
  'write-to-device': 'a write onto a block device (dd of=, redirection, cp, tee)',
  'overwrite-system-file':
    'a write onto a system file (passwd, shadow, sudoers, binaries...), or an archive extracted over system directories',
  'format-filesystem': 'mkfs, wipefs, mkswap, partitioning',
  'power-off': 'shutdown, reboot, halt, poweroff, init 0/6, systemctl poweroff',
  'kill-everything': 'kill -1 (every process) or kill 1 (init)',
  'delete-crontab': 'crontab -r',
  'git-force-push': 'a force-push (or --mirror) to a protected branch',
  'git-delete-protected-branch': 'a push that deletes a protected branch',
  'fork-bomb': 'a function or loop that forks copies of itself',
  'pipe-download-to-shell': 'a download piped into a shell or interpreter',
  'execute-download':
    'running what a download produced (substituted, saved and run, or fetched by inline code)',
  'execute-obfuscated':
    'running decoded or generated text: base64/xxd/openssl/printf-escape output piped into a shell, code that evals a decoded string',
  'dynamic-command':
    'strict mode: a command whose name or script is only known when it runs (variables, substitutions, eval of generated text)',
  'nesting-too-deep': 'commands nested deeper than the check reads',
  'secrets-exfiltration': 'credential files or an environment dump sent to a network tool',
  'reverse-shell': 'a shell whose input or output is a network connection',
  persistence: 'crontab/at jobs, writes to shell profiles, autostart or service files outside the workspace',
  'link-outside-workspace':
    'a hard link to a file outside the workspace, or a symbolic link to the root, home, system directories or the workspace ancestors',
  'container-host-access':
    'a container that mounts the host root, home or system directories or the Docker socket, or runs privileged',
} as const;

/** The id of one of `analyzeCommand`'s rules. */
export type CommandRuleId = keyof typeof COMMAND_RULES;

/** Every rule id, in the order of `COMMAND_RULES`. */
export const COMMAND_RULE_IDS = Object.freeze(Object.keys(COMMAND_RULES)) as readonly CommandRuleId[];
