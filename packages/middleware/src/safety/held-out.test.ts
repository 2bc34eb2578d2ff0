import { describe, expect, it } from 'vitest';
import { analyzeCommand } from './command-rules.js';

// Commands written after the rules and their corpus, by a reviewer trying to get past them: they pin the
// general mechanisms (variables, fail-closed unknown targets, nested commands), not single patterns.
const options = { workspaceRoot: '/srv/ws', homeDirectory: '/home/agent' };

describe('analyzeCommand, held-out destructive commands', () => {
  it.each([
    ['R=/; rm -rf $R', 'recursive-delete'],
    ['export R=/; rm -rf $R', 'recursive-delete'],
    ['for d in / ; do rm -rf $d; done', 'recursive-delete'],
    ['set -- /; rm -rf "$1"', 'recursive-delete'],
    ['rm -rf ~+', 'recursive-delete'],
    ['rm -rf $(realpath ..)', 'recursive-delete'],
    ['rm -rf "$(dirname "$PWD")"', 'recursive-delete'],
    ['find / -exec sh -c "rm -rf {}" \\;', 'recursive-delete'],
    ['git -C / clean -fdx', 'recursive-delete'],
    ['perl -e "system(q{rm -rf /})"', 'recursive-delete'],
    [`awk 'BEGIN{system("rm -rf /")}'`, 'recursive-delete'],
    ['echo / | xargs rm -rf', 'recursive-delete'],
    ['rm -rf ~/.ssh', 'recursive-delete'],
    ['dd if=/dev/zero of=/dev/root', 'write-to-device'],
    ['rm -rf /srv/other-project', 'recursive-delete'],
  ])('blocks %s with rule %s', (command, rule) => {
    expect(analyzeCommand(command, options)).toMatchObject({ rule });
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
    expect(check('../notes.md')).toMatch(/outside the workspace/);
  });
});
