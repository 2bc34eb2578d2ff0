import { describe, expect, it } from 'vitest';
import { analyzeCommand } from './command-rules.js';

// Commands written after the rules and their corpus, by a reviewer trying to get past them: they pin the
// general mechanisms (variables, fail-closed unknown targets, nested commands), not single patterns.
const options = { workspaceRoot: '/srv/ws', homeDirectory: '/home/agent' };

describe('analyzeCommand, held-out destructive commands', () => {
  it.each([
    'R=/; rm -rf $R',
    'export R=/; rm -rf $R',
    'for d in / ; do rm -rf $d; done',
    'set -- /; rm -rf "$1"',
    'rm -rf ~+',
    'rm -rf $(realpath ..)',
    'rm -rf "$(dirname "$PWD")"',
    'find / -exec sh -c "rm -rf {}" \\;',
    'git -C / clean -fdx',
    'perl -e "system(q{rm -rf /})"',
    `awk 'BEGIN{system("rm -rf /")}'`,
    'echo / | xargs rm -rf',
    'rm -rf ~/.ssh',
    'dd if=/dev/zero of=/dev/root',
    'rm -rf /srv/other-project',
  ])('blocks %s', (command) => {
    expect(analyzeCommand(command, options)).toBeDefined();
  });

  it.each([
    'rm -rf build',
    'D=dist; rm -rf $D',
    'rm -rf "$TMPDIR/x"',
    'rm -rf /tmp/foo',
    'rm -rf ~/.cache/pip',
    'for f in a b; do echo $f; done',
    'git clean -fdx',
    'find . -name "*.pyc" -delete',
  ])('lets %s through', (command) => {
    expect(analyzeCommand(command, options)).toBeUndefined();
  });
});

describe('createWorkspacePathCheck, names that start with two dots', () => {
  it('keeps ..notes.md inside the workspace and ../notes.md outside', async () => {
    const { createWorkspacePathCheck } = await import('./workspace-paths.js');
    const check = createWorkspacePathCheck('/srv/ws', { followSymlinks: false });
    expect(check('..notes.md')).toBeUndefined();
    expect(check('../notes.md')).toBeDefined();
  });
});
