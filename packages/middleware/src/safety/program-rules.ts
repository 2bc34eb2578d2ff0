import { posix } from 'node:path';
import {
  inlineCode,
  interpreterFamily,
  readsProgramFromStdin,
  shellScript,
  unwrap,
} from './command-words.js';
import { decodes, downloads, recordDownload } from './downloads.js';
import {
  basename,
  type CommandFinding,
  CRITICAL_FILE,
  DEVICE,
  DOWNLOADERS,
  dangerousTarget,
  type Environment,
  expandBraces,
  finding,
  firstDangerous,
  hasFlag,
  INTERPRETERS,
  isInsideOrEqual,
  NETWORK_TOOLS,
  operands,
  plainWord,
  reach,
  resolveWord,
  SHELLS,
  SYSTEM_DIRECTORIES,
  VIRTUAL_WORKSPACE,
  writeTargetFinding,
} from './environment.js';
import { checkInlineCode, codeCommands, codeLiterals } from './inline-code.js';
import { checkExfiltration, checkShellPipeline, checkShellServer, isNetworkTool } from './network-rules.js';
import type { CommandRuleId } from './rule-ids.js';
import type { ShellCommand, ShellWord } from './shell-parser.js';

/** What a program rule sees: the command (unwrapped), its pipeline, and the line's state. */
export interface RuleContext {
  readonly command: ShellCommand;
  /** The whole pipeline the command is in, and its position. */
  readonly pipeline: readonly ShellCommand[];
  readonly index: number;
  /** The program as written (base name) and its key in the table. */
  readonly name: string;
  readonly key: string;
  readonly head: ShellWord;
  readonly args: readonly ShellWord[];
  readonly texts: readonly string[];
  readonly environment: Environment;
  /** Judges a nested command line: in a child process (`sh -c`) or in the same shell (`eval`, `source`). */
  analyze(source: string, scope: 'child' | 'same'): CommandFinding | undefined;
}

/** One rule of the table: the programs it is filed under, the ids it may report, and its check. */
export interface ProgramRule {
  /** A name for tests and documentation. */
  readonly name: string;
  readonly programs: readonly string[];
  readonly reports: readonly CommandRuleId[];
  check(context: RuleContext): CommandFinding | undefined;
}

const RECURSIVE_RM = /\brm\s+(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\b/;

const remove: ProgramRule = {
  name: 'rm',
  programs: ['rm', 'unlink', 'rmdir'],
  reports: ['recursive-delete', 'delete-system-files'],
  check({ key, args, texts, environment }) {
    if (texts.includes('--no-preserve-root')) {
      return finding(
        'recursive-delete',
        'rm --no-preserve-root removes the protection of the filesystem root',
      );
    }
    const targets = operands(args);
    if (key === 'rm' && hasFlag(texts, 'rR', ['--recursive'])) {
      const hit = firstDangerous(targets, environment);
      if (hit !== undefined) {
        return finding(
          'recursive-delete',
          `recursive delete of ${hit.what} (${JSON.stringify(hit.word.text)})`,
        );
      }
    }
    for (const target of targets) {
      const path = reach(target, environment);
      if (
        path !== undefined &&
        (path === '/' || CRITICAL_FILE.test(path) || /^\/(?:etc|boot)(?:\/|$)/.test(path))
      ) {
        return finding('delete-system-files', `deletes the system path ${path}`);
      }
    }
    return undefined;
  },
};

const shred: ProgramRule = {
  name: 'shred',
  programs: ['shred', 'srm', 'wipe'],
  reports: ['wipe-device'],
  check({ name, args, environment }) {
    for (const target of operands(args, new Set(['-n', '-s', '--iterations', '--size']))) {
      if (DEVICE.test(target.text))
        return finding('wipe-device', `${name} overwrites the device ${target.text}`);
      const path = reach(target, environment);
      if (
        path !== undefined &&
        (dangerousTarget(path, environment) !== undefined || CRITICAL_FILE.test(path))
      ) {
        return finding('wipe-device', `${name} destroys ${path}`);
      }
    }
    return undefined;
  },
};

const find: ProgramRule = {
  name: 'find',
  programs: ['find', 'fd', 'fdfind'],
  reports: ['recursive-delete'],
  check({ key, args, texts, environment }) {
    const deleter = (text: string | undefined) => /^(?:rm|shred|unlink|rmdir)$/.test(basename(text ?? ''));
    const destructive = texts.some(
      (text, index) =>
        text === '-delete' ||
        (key !== 'find' &&
          (text === '-x' || text === '-X' || text === '--exec' || text === '--exec-batch') &&
          deleter(texts[index + 1])) ||
        ((text === '-exec' || text === '-execdir' || text === '-ok' || text === '-okdir') &&
          (deleter(texts[index + 1]) ||
            // `-exec sh -c "rm -rf {}"`: the shell runs the delete.
            (SHELLS.has(basename(texts[index + 1] ?? '')) &&
              texts.slice(index + 2).some((inner) => RECURSIVE_RM.test(inner))))),
    );
    if (!destructive) return undefined;
    const starts: ShellWord[] = [];
    if (key === 'find') {
      for (const word of args) {
        if (word.text.startsWith('-') || word.text === '(' || word.text === '!') break;
        starts.push(word);
      }
    } else {
      // fd PATTERN [PATH...]
      const positional = args.filter((word) => !word.text.startsWith('-'));
      const execAt = args.findIndex((word) => /^(?:-x|-X|--exec|--exec-batch)$/.test(word.text));
      for (const word of positional.slice(1))
        if (execAt === -1 || args.indexOf(word) < execAt) starts.push(word);
    }
    const filtered =
      texts.some((text) =>
        /^-(?:i?name|i?path|i?wholename|i?regex|type|mtime|mmin|atime|amin|ctime|cmin|newer|size|empty|user|group|perm|inum|links)$/.test(
          text,
        ),
      ) ||
      (key !== 'find' && args.some((word) => !word.text.startsWith('-')));
    for (const start of starts.length > 0 ? starts : [plainWord('.')]) {
      const path = reach(start, environment);
      if (path === undefined) continue;
      const what = dangerousTarget(path, environment);
      if (what === undefined) continue;
      // With filters (`-name '*.gz' -mtime +30`), only the root, home, top-level system directories and
      // the workspace's ancestors are off limits; cleaning old files under /var/log is routine.
      const critical =
        path === '/' ||
        SYSTEM_DIRECTORIES.has(path) ||
        /^\/(?:etc|boot|usr)(?:\/|$)/.test(path) ||
        isInsideOrEqual(path, environment.home) ||
        (path !== environment.workspace && isInsideOrEqual(path, environment.workspace));
      if (!filtered || critical)
        return finding('recursive-delete', `find deletes files under ${what} (${path})`);
    }
    return undefined;
  },
};

const permissions: ProgramRule = {
  name: 'chmod',
  programs: ['chmod', 'chown', 'chgrp'],
  reports: ['recursive-permissions'],
  check({ key, name, args, texts, environment }) {
    const recursive = hasFlag(texts, 'R', ['--recursive']);
    const rest = operands(args, new Set(['--reference']));
    const mode = rest[0]?.text ?? '';
    for (const target of expandBraces(rest.slice(1))) {
      const path = reach(target, environment);
      if (path === undefined) continue;
      const what = dangerousTarget(path, environment);
      // The workspace itself is the agent's to change; its ancestors, home and system paths are not.
      const system = what !== undefined && path !== environment.workspace;
      if (recursive && system) return finding('recursive-permissions', `${name} -R on ${what} (${path})`);
      if (
        key === 'chmod' &&
        (path === '/' || system) &&
        /^(?:0?777|0?666|0?000|a\+rwx|ugo\+rwx|a=rwx|[oa]\+w)$/.test(mode)
      ) {
        return finding('recursive-permissions', `chmod ${mode} on ${what}`);
      }
    }
    return undefined;
  },
};

/** Judges one written path (as a word), when it resolves. */
function writeWord(word: ShellWord, environment: Environment, writer: string): CommandFinding | undefined {
  if (DEVICE.test(word.text))
    return finding('write-to-device', `${writer} writes onto the device ${word.text}`);
  const path = resolveWord(word, environment);
  return path === undefined ? undefined : writeTargetFinding(path, environment, writer);
}

const dd: ProgramRule = {
  name: 'dd',
  programs: ['dd'],
  reports: ['write-to-device', 'overwrite-system-file', 'persistence'],
  check({ texts, environment }) {
    for (const text of texts) {
      if (!text.startsWith('of=')) continue;
      const hit = writeWord(plainWord(text.slice(3)), environment, 'dd');
      if (hit !== undefined) return hit;
    }
    return undefined;
  },
};

const writers: ProgramRule = {
  name: 'tee',
  programs: ['tee', 'truncate', 'sponge'],
  reports: ['write-to-device', 'overwrite-system-file', 'persistence'],
  check({ name, args, environment }) {
    for (const target of operands(args, new Set(['-s', '--size', '-r', '--reference']))) {
      const hit = writeWord(target, environment, name);
      if (hit !== undefined) return hit;
    }
    return undefined;
  },
};

const sedInPlace: ProgramRule = {
  name: 'sed -i',
  programs: ['sed', 'perl'],
  reports: ['overwrite-system-file', 'persistence'],
  check({ key, args, texts, environment }) {
    if (!texts.some((text) => /^-[a-zA-Z]*i/.test(text) || text.startsWith('--in-place'))) return undefined;
    if (key === 'perl' && !texts.some((text) => /^-[a-zA-Z]*[pn]/.test(text))) return undefined;
    const files = operands(args, new Set(['-e', '-f', '--expression', '--file', '-E', '-M', '-I']));
    const hasScript = texts.some((text) => /^-[a-zA-Z]*[eEf]$/.test(text) || text.startsWith('--expression'));
    for (const target of hasScript ? files : files.slice(1)) {
      const hit = writeWord(target, environment, key === 'perl' ? 'perl -i' : 'sed -i');
      if (hit !== undefined && hit.rule !== 'write-to-device') return hit;
    }
    return undefined;
  },
};

const copyMove: ProgramRule = {
  name: 'cp, mv, rsync, install',
  programs: ['cp', 'mv', 'rsync', 'install'],
  reports: ['write-to-device', 'overwrite-system-file', 'persistence', 'recursive-delete'],
  check({ key, name, args, texts, environment }) {
    const all = operands(
      args,
      new Set([
        '-t',
        '--target-directory',
        '-e',
        '--rsh',
        '--exclude',
        '--include',
        '--filter',
        '-m',
        '-o',
        '-g',
        '-S',
      ]),
    );
    const targetOption = args.findIndex((word) => word.text === '-t' || word.text === '--target-directory');
    const destination = targetOption >= 0 ? args[targetOption + 1] : all[all.length - 1];
    const sources = targetOption >= 0 ? all : all.slice(0, -1);
    if (destination !== undefined && DEVICE.test(destination.text)) {
      return finding('write-to-device', `${name} writes onto the device ${destination.text}`);
    }
    if (destination !== undefined && (all.length > 1 || targetOption >= 0)) {
      const absolute = resolveWord(destination, environment);
      if (absolute !== undefined && CRITICAL_FILE.test(absolute)) {
        return finding('overwrite-system-file', `${name} overwrites the system path ${absolute}`);
      }
      if (absolute !== undefined) {
        // `cp x ~/` writes ~/x: judge the file that lands in a directory, too.
        for (const source of sources.length > 0 ? sources : [destination]) {
          const landed = [absolute, posix.join(absolute, basename(source.text))];
          for (const path of landed) {
            const hit = writeTargetFinding(path, environment, name);
            if (hit !== undefined && hit.rule === 'persistence') return hit;
          }
        }
      }
    }
    if (key === 'mv') {
      const hit = firstDangerous(sources, environment);
      if (hit !== undefined)
        return finding('recursive-delete', `mv moves away ${hit.what} (${JSON.stringify(hit.word.text)})`);
    }
    if (key === 'rsync' && destination !== undefined) {
      if (texts.some((text) => text.startsWith('--delete'))) {
        const hit = firstDangerous([destination], environment);
        if (hit !== undefined) return finding('recursive-delete', `rsync --delete into ${hit.what}`);
      }
      if (texts.includes('--remove-source-files')) {
        const hit = firstDangerous(sources, environment);
        if (hit !== undefined)
          return finding('recursive-delete', `rsync --remove-source-files deletes ${hit.what}`);
      }
    }
    return undefined;
  },
};

/** Where a path of a link leads, from the directory the link lives in. */
function linkTarget(
  target: ShellWord,
  link: string,
  relativeToCwd: boolean,
  environment: Environment,
): string | undefined {
  const text = target.text;
  if (text.startsWith('/') || text.startsWith('~') || text.startsWith('$') || relativeToCwd) {
    return resolveWord(target, environment);
  }
  return resolveWord(target, { ...environment, cwd: posix.dirname(link) });
}

const links: ProgramRule = {
  name: 'ln',
  programs: ['ln', 'link', 'cp'],
  reports: ['link-outside-workspace', 'persistence'],
  check({ key, args, texts, environment }) {
    const symbolic = key !== 'link' && hasFlag(texts, 's', ['--symbolic']);
    const hard =
      key === 'link' || (key === 'ln' && !symbolic) || (key === 'cp' && hasFlag(texts, 'l', ['--link']));
    if (key === 'cp' && !hard && !symbolic) return undefined;
    const words = operands(args, new Set(['-t', '--target-directory', '-S', '--suffix']));
    const targetOption = args.findIndex((word) => word.text === '-t' || word.text === '--target-directory');
    let directory: string | undefined;
    let sources = words;
    if (targetOption >= 0) directory = resolveWord(args[targetOption + 1] ?? plainWord(''), environment);
    else if (words.length > 2) {
      directory = resolveWord(words[words.length - 1]!, environment);
      sources = words.slice(0, -1);
    } else if (words.length === 2) sources = words.slice(0, 1);
    const relativeToCwd = hasFlag(texts, 'r', ['--relative']) || hard;
    for (const source of sources) {
      let link: string | undefined;
      if (directory !== undefined) link = posix.join(directory, basename(source.text));
      else if (words.length === 2) link = resolveWord(words[1]!, environment);
      else link = posix.join(environment.cwd, basename(source.text));
      if (link === undefined) link = environment.cwd;
      const target = linkTarget(source, link, relativeToCwd, environment);
      if (symbolic) environment.links.set(link, target);
      const planted = writeTargetFinding(link, environment, `${key} -s`);
      if (planted !== undefined && planted.rule === 'persistence') return planted;
      if (target === undefined) {
        if (hard || environment.strict) {
          return finding(
            'link-outside-workspace',
            `${key} links ${JSON.stringify(source.text)}, a target the check cannot resolve`,
          );
        }
        continue;
      }
      if (hard) {
        const inside =
          environment.workspace === VIRTUAL_WORKSPACE
            ? isInsideOrEqual(environment.cwd, target) || isInsideOrEqual(VIRTUAL_WORKSPACE, target)
            : isInsideOrEqual(environment.workspace, target);
        if (!inside) {
          return finding(
            'link-outside-workspace',
            `${key} makes a hard link to ${target}, outside the workspace: reads and writes through it reach that file`,
          );
        }
        continue;
      }
      const what = dangerousTarget(target, environment);
      if (
        what !== undefined &&
        !(isInsideOrEqual(environment.workspace, target) && target !== environment.workspace)
      ) {
        return finding(
          'link-outside-workspace',
          `${key} -s makes a link to ${what} (${target}): deletes and writes through it reach there`,
        );
      }
    }
    return undefined;
  },
};

/** `tar` options whose value is the next word (or the rest of a short cluster). */
const TAR_VALUE_LETTERS = 'fCTXbgNKLVHI';

const archivers: ProgramRule = {
  name: 'tar, zip, 7z, unzip, rclone',
  programs: ['tar', 'bsdtar', 'gtar', 'zip', '7z', '7za', '7zz', 'unzip', 'rclone'],
  reports: ['recursive-delete', 'overwrite-system-file'],
  check({ key, args, texts, environment }) {
    const extractInto = (directory: string, what: string): CommandFinding | undefined => {
      const system =
        directory === '/' ||
        directory === environment.home ||
        /^\/(?:etc|boot|bin|sbin|usr|lib|lib32|lib64|usr\/bin|usr\/sbin|usr\/lib|var\/lib|root|System|Library)$/.test(
          directory,
        ) ||
        CRITICAL_FILE.test(`${directory}/`);
      return system ? finding('overwrite-system-file', `${what} extracts over ${directory}`) : undefined;
    };
    if (key === 'tar' || key === 'bsdtar' || key === 'gtar') {
      let base = environment.cwd;
      const files: ShellWord[] = [];
      let extract = false;
      let create = false;
      let absoluteNames = false;
      const letters = (cluster: string, index: number): number => {
        let consumed = index;
        for (let position = 0; position < cluster.length; position++) {
          const letter = cluster[position]!;
          if (letter === 'x') extract = true;
          if (letter === 'c' || letter === 'r' || letter === 'u') create = true;
          if (letter === 'P') absoluteNames = true;
          if (TAR_VALUE_LETTERS.includes(letter)) {
            const inline = cluster.slice(position + 1);
            const value = inline !== '' ? inline : args[++consumed]?.text;
            if (letter === 'C' && value !== undefined) base = posix.resolve(base, value);
            if (inline !== '') break;
          }
        }
        return consumed;
      };
      for (let index = 0; index < args.length; index++) {
        const text = args[index]!.text;
        if (index === 0 && /^[a-zA-Z]+$/.test(text)) {
          index = letters(text, index);
        } else if (text.startsWith('--')) {
          const [flag, inline] = text.split('=', 2) as [string, string | undefined];
          if (flag === '--extract' || flag === '--get') extract = true;
          if (flag === '--create' || flag === '--append' || flag === '--update') create = true;
          if (flag === '--absolute-names') absoluteNames = true;
          if (
            /^--(?:file|directory|files-from|exclude-from|use-compress-program|to-command|newer|label)$/.test(
              flag,
            )
          ) {
            const value = inline ?? args[++index]?.text;
            if (flag === '--directory' && value !== undefined) base = posix.resolve(base, value);
          }
        } else if (text.startsWith('-') && text.length > 1) {
          index = letters(text.slice(1), index);
        } else {
          const word = args[index]!;
          files.push(
            /^[~$]/.test(text) || word.substitutions.length > 0 ? word : plainWord(posix.resolve(base, text)),
          );
        }
      }
      if (texts.includes('--remove-files') && create) {
        const hit = firstDangerous(files, environment);
        if (hit !== undefined)
          return finding('recursive-delete', `tar --remove-files deletes ${hit.what} after archiving it`);
      }
      if (extract) {
        if (absoluteNames)
          return finding('overwrite-system-file', 'tar -P extracts absolute paths over the system');
        if (texts.includes('--recursive-unlink')) {
          const hit = firstDangerous([plainWord(base)], environment);
          if (hit !== undefined)
            return finding('recursive-delete', `tar --recursive-unlink deletes ${hit.what}`);
        }
        return extractInto(base, 'tar');
      }
      return undefined;
    }
    if (key === 'zip') {
      if (!hasFlag(texts, 'm', ['--move'])) return undefined;
      const words = operands(args, new Set(['-b', '-n', '-t', '-tt', '-x', '-i', '-P', '-Z', '-O']));
      const hit = firstDangerous(words.slice(1), environment);
      return hit === undefined
        ? undefined
        : finding('recursive-delete', `zip -m deletes ${hit.what} after archiving it`);
    }
    if (key.startsWith('7z')) {
      if (!texts.some((text) => text === '-sdel')) return undefined;
      const words = operands(args).slice(2);
      const hit = firstDangerous(words, environment);
      return hit === undefined
        ? undefined
        : finding('recursive-delete', `7z -sdel deletes ${hit.what} after archiving it`);
    }
    if (key === 'unzip') {
      const index = texts.indexOf('-d');
      const directory = index >= 0 ? resolveWord(args[index + 1] ?? plainWord(''), environment) : undefined;
      return directory === undefined ? undefined : extractInto(directory, 'unzip');
    }
    // rclone: purge/delete/rmdirs delete their target; sync/move make or empty the destination.
    const command = operands(args)[0]?.text;
    const rest = operands(args).slice(1);
    const local = rest.filter((word) => !/^[^/.~$][^/:]*:/.test(word.text));
    if (command === 'purge' || command === 'delete' || command === 'deletefile' || command === 'rmdirs') {
      const hit = firstDangerous(local, environment);
      if (hit !== undefined) return finding('recursive-delete', `rclone ${command} deletes ${hit.what}`);
    }
    if (command === 'sync' || command === 'move' || command === 'moveto') {
      const targets = command === 'sync' ? local.filter((word) => word === rest[rest.length - 1]) : local;
      const hit = firstDangerous(targets, environment);
      if (hit !== undefined)
        return finding('recursive-delete', `rclone ${command} deletes files of ${hit.what}`);
    }
    return undefined;
  },
};

const containers: ProgramRule = {
  name: 'docker, podman, nsenter',
  programs: ['docker', 'podman', 'nerdctl', 'finch', 'nsenter'],
  reports: ['container-host-access'],
  check({ key, args, texts, environment }) {
    if (key === 'nsenter') {
      const index = texts.findIndex(
        (text) => text === '-t' || text === '--target' || /^(?:-t|--target=)1$/.test(text),
      );
      const target =
        index === -1 ? undefined : /^(?:-t|--target=)1$/.test(texts[index]!) ? '1' : texts[index + 1];
      return target === '1' || texts.includes('--all')
        ? finding('container-host-access', 'nsenter enters the namespaces of the host (pid 1)')
        : undefined;
    }
    const mountSource = (text: string): string | undefined => {
      if (/^type=|,/.test(text)) {
        const match = /(?:^|,)(?:source|src)=([^,]+)/.exec(text);
        return match?.[1];
      }
      return text.split(':')[0];
    };
    for (let index = 0; index < args.length; index++) {
      const text = texts[index]!;
      if (text === '--privileged' || text === '--privileged=true') {
        return finding(
          'container-host-access',
          `${key} runs a privileged container, which can reach the host`,
        );
      }
      if (/^--cap-add(?:=|$)/.test(text)) {
        const value = text.includes('=') ? text.split('=')[1]! : (texts[index + 1] ?? '');
        if (/^(?:CAP_)?(?:ALL|SYS_ADMIN|SYS_MODULE|SYS_PTRACE|DAC_READ_SEARCH)$/i.test(value)) {
          return finding(
            'container-host-access',
            `${key} gives a container ${value}, which can reach the host`,
          );
        }
      }
      let value: string | undefined;
      if (text === '-v' || text === '--volume' || text === '--mount' || text === '--device')
        value = texts[index + 1];
      else if (/^-v./.test(text)) value = text.slice(2).replace(/^=/, '');
      else if (/^--(?:volume|mount|device)=/.test(text)) value = text.slice(text.indexOf('=') + 1);
      if (value === undefined) continue;
      const source = mountSource(value);
      if (source === undefined || !/^[/~.$]/.test(source)) continue;
      if (DEVICE.test(source))
        return finding('container-host-access', `${key} gives a container the device ${source}`);
      const path = resolveWord(plainWord(source), environment);
      if (path === undefined) continue;
      if (/^\/(?:var\/)?run\/docker\.sock$/.test(path) || path === '/run/containerd/containerd.sock') {
        return finding(
          'container-host-access',
          `${key} gives a container the container runtime's socket (${path}), root on the host`,
        );
      }
      const what = dangerousTarget(path, environment);
      const workspaceOrInside = isInsideOrEqual(environment.workspace, path);
      if (what !== undefined && !workspaceOrInside) {
        return finding('container-host-access', `${key} mounts ${what} (${path}) into a container`);
      }
    }
    return undefined;
  },
};

const filesystems: ProgramRule = {
  name: 'mkfs',
  programs: ['mkfs', 'mke2fs', 'mkswap', 'wipefs', 'blkdiscard', 'mkdosfs', 'newfs'],
  reports: ['format-filesystem'],
  check: ({ name }) => finding('format-filesystem', `${name} formats or erases a filesystem`),
};

const partitioning: ProgramRule = {
  name: 'fdisk',
  programs: ['fdisk', 'sfdisk', 'cfdisk', 'gdisk', 'sgdisk', 'parted'],
  reports: ['format-filesystem'],
  check({ name, texts }) {
    if (texts.some((text) => text === '-l' || text === '--list' || text === 'print' || text === '-p'))
      return undefined;
    return texts.some((text) => DEVICE.test(text))
      ? finding('format-filesystem', `${name} repartitions a disk`)
      : undefined;
  },
};

const power: ProgramRule = {
  name: 'shutdown',
  programs: ['shutdown', 'reboot', 'halt', 'poweroff', 'init', 'telinit', 'systemctl'],
  reports: ['power-off'],
  check({ key, name, texts }) {
    if (key === 'init' || key === 'telinit') {
      return texts[0] === '0' || texts[0] === '6'
        ? finding('power-off', `${name} ${texts[0]} stops the machine`)
        : undefined;
    }
    if (key === 'systemctl') {
      return texts.some((text) => /^(?:poweroff|reboot|halt|kexec|emergency|rescue)$/.test(text))
        ? finding('power-off', 'systemctl stops or reboots the machine')
        : undefined;
    }
    return finding('power-off', `${name} stops the machine`);
  },
};

const kill: ProgramRule = {
  name: 'kill',
  programs: ['kill', 'killall5'],
  reports: ['kill-everything'],
  check({ key, texts }) {
    if (key === 'killall5') return finding('kill-everything', 'killall5 signals every process');
    const pids = texts.filter(
      (text, index) =>
        !(index === 0 && /^-(?:\d+|[A-Z]+|SIG[A-Z]+)$/.test(text) && texts.length > 1) &&
        text !== '--' &&
        text !== '-s' &&
        text !== '-n',
    );
    return pids.some((pid) => pid === '-1' || pid === '1')
      ? finding('kill-everything', 'kill targets every process (or init)')
      : undefined;
  },
};

const scheduling: ProgramRule = {
  name: 'crontab, at',
  programs: ['crontab', 'at', 'batch'],
  reports: ['delete-crontab', 'persistence'],
  check({ key, texts }) {
    if (key === 'crontab') {
      if (texts.includes('-r')) return finding('delete-crontab', 'crontab -r deletes every scheduled job');
      if (texts.includes('-l') || texts.includes('-V')) return undefined;
      return finding('persistence', 'crontab installs scheduled jobs that outlive the session');
    }
    if (key === 'at' && texts.some((text) => /^-[lrdcV]$/.test(text))) return undefined;
    return finding('persistence', `${key} schedules a command to run later, outside the session`);
  },
};

function skipGitGlobalOptions(args: readonly ShellWord[]): ShellWord[] {
  let index = 0;
  while (index < args.length) {
    const text = args[index]!.text;
    if (
      text === '-C' ||
      text === '-c' ||
      text === '--git-dir' ||
      text === '--work-tree' ||
      text === '--namespace'
    )
      index += 2;
    else if (text.startsWith('-')) index++;
    else break;
  }
  return args.slice(index);
}

function checkGitPush(args: readonly ShellWord[], environment: Environment): CommandFinding | undefined {
  const texts = args.map((word) => word.text);
  let force = false;
  let remove = false;
  const positional: string[] = [];
  for (let index = 0; index < texts.length; index++) {
    const text = texts[index]!;
    if (text === '--mirror')
      return finding('git-force-push', 'git push --mirror overwrites every branch and tag of the remote');
    if (text === '--force' || text.startsWith('--force-with-lease') || text === '--force-if-includes')
      force = true;
    else if (text === '--delete') remove = true;
    else if (/^-[a-zA-Z]+$/.test(text)) {
      if (text.includes('f')) force = true;
      if (text.includes('d')) remove = true;
      if (text === '-o') index++;
    } else if (
      text === '--repo' ||
      text === '--push-option' ||
      text === '--receive-pack' ||
      text === '--exec'
    )
      index++;
    else if (!text.startsWith('-')) positional.push(text);
  }
  const refspecs = positional.slice(1);
  const protectedName = (ref: string): string | undefined => {
    const name = ref.replace(/^\+/, '').replace(/^refs\/heads\//, '');
    return environment.protectedBranches.find((branch) =>
      branch.endsWith('/*') ? name.startsWith(branch.slice(0, -1)) : name === branch,
    );
  };
  for (const refspec of refspecs) {
    const colon = refspec.indexOf(':');
    const destination = colon === -1 ? refspec.replace(/^\+/, '') : refspec.slice(colon + 1);
    const hit = protectedName(destination === '' ? refspec : destination);
    if (hit === undefined) continue;
    if (remove || (colon === 0 && destination !== '')) {
      return finding(
        'git-delete-protected-branch',
        `git push deletes the protected branch ${JSON.stringify(destination)}`,
      );
    }
    if (force || refspec.startsWith('+')) {
      return finding(
        'git-force-push',
        `git push --force to the protected branch ${JSON.stringify(destination)}`,
      );
    }
  }
  if (force && refspecs.length === 0) {
    return finding(
      'git-force-push',
      'git push --force without an explicit branch may rewrite a protected branch; name a non-protected branch',
    );
  }
  return undefined;
}

const git: ProgramRule = {
  name: 'git',
  programs: ['git'],
  reports: ['git-force-push', 'git-delete-protected-branch', 'recursive-delete'],
  check({ args, texts, environment }) {
    const sub = skipGitGlobalOptions(args);
    if (sub[0]?.text === 'push') return checkGitPush(sub.slice(1), environment);
    if (
      sub[0]?.text === 'clean' &&
      sub.some((word) => /^-[a-zA-Z]*f/.test(word.text) || word.text === '--force')
    ) {
      // `git clean -f` deletes untracked files of the repository it runs in: -C says which.
      const index = texts.indexOf('-C');
      const directory = index >= 0 ? args[index + 1] : undefined;
      if (directory !== undefined) {
        const hit = firstDangerous([directory], environment);
        if (
          hit !== undefined &&
          !isInsideOrEqual(environment.workspace, reach(directory, environment) ?? '/')
        ) {
          return finding(
            'recursive-delete',
            `git clean deletes the untracked files of ${hit.what} (${JSON.stringify(directory.text)})`,
          );
        }
      }
    }
    return undefined;
  },
};

const changeDirectory: ProgramRule = {
  name: 'cd',
  programs: ['cd', 'pushd'],
  reports: [],
  check({ args, environment }) {
    const target = operands(args)[0];
    if (target === undefined || target.text === '~') {
      environment.cwd = environment.home;
      return undefined;
    }
    if (target.text === '-') return undefined;
    const resolved = resolveWord(target, environment);
    // An unknown destination: from here on, relative paths are judged as if still in the workspace.
    if (resolved !== undefined) environment.cwd = resolved;
    return undefined;
  },
};

const network: ProgramRule = {
  name: 'network tools',
  programs: [...NETWORK_TOOLS],
  reports: ['secrets-exfiltration', 'reverse-shell'],
  check({ key, args, command, pipeline, index, environment }) {
    const served = checkShellServer(key, args);
    if (served !== undefined) return served;
    const sent = checkExfiltration(key, args, command, pipeline.slice(0, index), environment);
    if (sent !== undefined) return sent;
    if (DOWNLOADERS.has(key)) recordDownload(key, command, args, environment);
    return undefined;
  },
};

/** Decodes the escapes `printf`, `echo -e` and `$'...'` understand (`\x72`, `\162`, `\0162`, `\u0072`). */
export function decodeEscapes(text: string): string {
  return text.replace(
    /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|0?[0-7]{1,3}|[abefnrtv\\])/g,
    (_match, code: string) => {
      if (code[0] === 'x' || code[0] === 'u') return String.fromCharCode(Number.parseInt(code.slice(1), 16));
      if (/^[0-7]/.test(code)) return String.fromCharCode(Number.parseInt(code, 8));
      return (
        (
          {
            a: '\x07',
            b: '\b',
            e: '\x1b',
            f: '\f',
            n: '\n',
            r: '\r',
            t: '\t',
            v: '\v',
            '\\': '\\',
          } as Record<string, string>
        )[code] ?? ''
      );
    },
  );
}

/** Programs whose output is plain text the check can read (or a file it treats like a script file). */
function feederText(
  feeder: ShellCommand,
): { kind: 'text'; text: string } | { kind: 'file' } | { kind: 'unknown' } {
  const words = unwrap(feeder.words);
  const name = words[0] === undefined ? '' : basename(words[0].text);
  if (name === 'echo' || name === 'printf') {
    let parts = words.slice(1).filter((word) => !/^-[neE]+$/.test(word.text));
    // `printf FORMAT ARGS`: with conversions in the format, what prints is the arguments.
    if (name === 'printf' && parts.length > 1 && parts[0]!.text.includes('%')) parts = parts.slice(1);
    const dynamic = parts.some(
      (word) => word.substitutions.length > 0 || /\$[A-Za-z_{@*0-9]/.test(word.text),
    );
    if (dynamic) return { kind: 'unknown' };
    return { kind: 'text', text: decodeEscapes(parts.map((word) => word.text).join(' ')) };
  }
  const heredoc = feeder.redirects.find(
    (redirect) => redirect.body !== undefined || redirect.operator === '<<<',
  );
  if (name === 'cat' && heredoc !== undefined && words.length === 1) {
    if ((heredoc.substitutions?.length ?? 0) > 0) return { kind: 'unknown' };
    return { kind: 'text', text: heredoc.body ?? heredoc.target };
  }
  if (name === 'cat' && feeder.redirects.length === 0 && words.length > 1) {
    const files = words.slice(1).filter((word) => !word.text.startsWith('-'));
    if (files.every((word) => word.substitutions.length === 0 && !/\$|^\/dev\/|^-$/.test(word.text)))
      return { kind: 'file' };
  }
  return { kind: 'unknown' };
}

const shells: ProgramRule = {
  name: 'shells and interpreters',
  programs: [...SHELLS, ...INTERPRETERS, 'eval', 'source', '.'],
  reports: [
    'pipe-download-to-shell',
    'execute-download',
    'execute-obfuscated',
    'dynamic-command',
    'reverse-shell',
    'recursive-delete',
    'overwrite-system-file',
    'persistence',
    'secrets-exfiltration',
    'fork-bomb',
  ],
  check(context) {
    const { key, name, args, texts, command, pipeline, index, environment } = context;
    const previous = pipeline.slice(0, index);
    const sameShell = key === 'eval' || key === 'source' || key === '.';
    const family = sameShell ? 'shell' : key;
    if (command.piped && (SHELLS.has(family) || family === 'shell' || readsProgramFromStdin(key, args))) {
      // Program taken from a pipe: a download, decoded text, generated text, or echoed text read as a script.
      const sources = previous.map((item) => item.words.map((word) => word.text).join(' '));
      const feeders = previous.flatMap((item) => item.words.flatMap((word) => word.substitutions));
      if (downloads(sources) || downloads(feeders)) {
        return finding(
          'pipe-download-to-shell',
          `pipes a download into ${name}; download, review, then run it`,
        );
      }
      if (decodes(sources) || decodes(feeders))
        return finding('execute-obfuscated', `pipes decoded (obfuscated) content into ${name}`);
      const reverse = checkShellPipeline(pipeline, index);
      if (reverse !== undefined) return reverse;
      const feeder = previous[previous.length - 1];
      const fed = feeder === undefined ? ({ kind: 'file' } as const) : feederText(feeder);
      if (fed.kind === 'text' && (SHELLS.has(family) || family === 'shell')) {
        const nested = context.analyze(fed.text, 'child');
        if (nested !== undefined) return nested;
      } else if (fed.kind === 'text') {
        const nested =
          checkInlineCode(fed.text, [], environment, name) ?? judgeCodeCommands(fed.text, context);
        if (nested !== undefined) return nested;
      } else if (fed.kind === 'unknown' && environment.strict && previous.length > 0) {
        const producer = unwrap(feeder!.words)[0]?.text ?? 'a command';
        return finding(
          'dynamic-command',
          `pipes the output of ${basename(producer)} into ${name} as a program, which the check cannot read (strict mode)`,
        );
      }
    } else {
      const reverse = checkShellPipeline(pipeline, index);
      if (reverse !== undefined) return reverse;
    }
    // Here-strings and here-documents are programs too: `bash <<< "..."`, `python3 - <<'EOF'`.
    for (const redirect of command.redirects) {
      const text = redirect.operator === '<<<' ? redirect.target : redirect.body;
      if (text === undefined || (!sameShell && !readsProgramFromStdin(key, args))) continue;
      if (SHELLS.has(family) || family === 'shell') {
        const nested = context.analyze(text, 'child');
        if (nested !== undefined) return nested;
      } else if (INTERPRETERS.has(key)) {
        const language = interpreterFamily(key);
        const nested = checkInlineCode(text, [], environment, language) ?? judgeCodeCommands(text, context);
        if (nested !== undefined) return nested;
      }
    }
    for (const word of args) {
      if (word.substitutions.length > 0 && downloads(word.substitutions)) {
        return finding('execute-download', `${name} runs code downloaded from the network without review`);
      }
      if (word.substitutions.length > 0 && decodes(word.substitutions)) {
        return finding('execute-obfuscated', `${name} runs a decoded (obfuscated) command`);
      }
    }
    if (key === 'eval') return context.analyze(texts.join(' '), 'same');
    if (SHELLS.has(key)) {
      const script = shellScript(args);
      return script === undefined ? undefined : context.analyze(script.text, 'child');
    }
    if (key === 'source' || key === '.') {
      const file = args[0];
      if (
        file !== undefined &&
        environment.strict &&
        (file.substitutions.length > 0 || resolveWord(file, environment) === undefined)
      ) {
        return finding(
          'dynamic-command',
          `${name} runs a script whose name or content is only known when it runs (strict mode)`,
        );
      }
      return undefined;
    }
    const inline = inlineCode(key, args);
    if (inline === undefined) return undefined;
    if (inline.code.substitutions.length > 0 && environment.strict) {
      return finding(
        'dynamic-command',
        `${name} runs code built by a command substitution, which the check cannot read (strict mode)`,
      );
    }
    const language = interpreterFamily(key);
    const hit = checkInlineCode(
      inline.code.text,
      inline.rest.map((word) => word.text),
      environment,
      language,
    );
    if (hit !== undefined) return hit;
    return judgeCodeCommands(inline.code.text, context);
  },
};

/** Judges the command lines inline code runs: its call arguments, then every string literal with a space. */
function judgeCodeCommands(code: string, context: RuleContext): CommandFinding | undefined {
  const literals = codeLiterals(code).filter((literal) => literal.includes(' '));
  for (const command of [...codeCommands(code), ...literals]) {
    const nested = context.analyze(decodeEscapes(command), 'child');
    if (nested !== undefined) return nested;
  }
  return undefined;
}

// Programs whose inline code (an awk program) may run shell commands.
const awk: ProgramRule = {
  name: 'awk',
  programs: ['awk', 'gawk', 'mawk', 'nawk'],
  reports: ['reverse-shell', 'recursive-delete', 'fork-bomb', 'execute-obfuscated'],
  check(context) {
    const program = operands(context.args, new Set(['-F', '-v', '-f', '--field-separator', '--assign']))[0];
    if (program === undefined) return undefined;
    const hit = checkInlineCode(program.text, [], context.environment, 'awk');
    if (hit !== undefined) return hit;
    if (!/system|\|/.test(program.text)) return undefined;
    for (const literal of codeLiterals(program.text)) {
      if (!/\s/.test(literal)) continue;
      const nested = context.analyze(literal, 'child');
      if (nested !== undefined) return nested;
    }
    return undefined;
  },
};

/**
 * The rules filed by program. A command's rules run in this order and the first finding is reported; no
 * rule depends on another having run, so the order only decides which id is reported when two apply.
 */
export const PROGRAM_RULES: readonly ProgramRule[] = [
  changeDirectory,
  remove,
  shred,
  find,
  permissions,
  dd,
  writers,
  sedInPlace,
  links,
  copyMove,
  archivers,
  containers,
  filesystems,
  partitioning,
  power,
  kill,
  scheduling,
  git,
  network,
  shells,
  awk,
];

/** `PROGRAM_RULES` by program key. */
export const RULES_BY_PROGRAM: ReadonlyMap<string, readonly ProgramRule[]> = (() => {
  const table = new Map<string, ProgramRule[]>();
  for (const rule of PROGRAM_RULES) {
    for (const program of rule.programs) {
      const list = table.get(program) ?? [];
      list.push(rule);
      table.set(program, list);
    }
  }
  return table;
})();

export { isNetworkTool };
