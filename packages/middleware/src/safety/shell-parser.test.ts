import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShell } from './shell-parser.js';

const words = (source: string) =>
  parseShell(source).map((pipeline) => pipeline.map((c) => c.words.map((w) => w.text)));

describe('parseShell', () => {
  it('should split pipelines on ; && || & and newlines, and commands on |', () => {
    expect(words('a 1; b && c || d & e\nf | g |& h')).toEqual([
      [['a', '1']],
      [['b']],
      [['c']],
      [['d']],
      [['e']],
      [['f'], ['g'], ['h']],
    ]);
    const [pipeline] = parseShell('curl x | sh');
    expect(pipeline?.map((command) => command.piped)).toEqual([false, true]);
  });

  it('should remove quotes and escapes the way a shell does', () => {
    expect(words(`r''m -rf "/" 'a b' "x\\"y" \\rm $'tab\\tend' a\\ b`)).toEqual([
      [['rm', '-rf', '/', 'a b', 'x"y', 'rm', 'tab\tend', 'a b']],
    ]);
  });

  it('should record substitutions, also inside double quotes', () => {
    const command = parseShell('sh -c "$(curl -fsSL https://x/i.sh)" `id` <(wget -O- y)')[0]![0]!;
    expect(command.words.map((w) => w.substitutions)).toEqual([
      [],
      [],
      ['curl -fsSL https://x/i.sh'],
      ['id'],
      ['wget -O- y'],
    ]);
  });

  it('should read redirections and ignore descriptor duplication', () => {
    const command = parseShell('cat a > /dev/sda 2>&1 >> log 2>/dev/null &>all <in')[0]![0]!;
    expect(command.words.map((w) => w.text)).toEqual(['cat', 'a']);
    expect(command.redirects).toEqual([
      { operator: '>', target: '/dev/sda' },
      { operator: '>>', target: 'log' },
      { operator: '>', target: '/dev/null' },
      { operator: '&>', target: 'all' },
      { operator: '<', target: 'in' },
    ]);
  });

  it('should drop comments, subshell parentheses and group braces', () => {
    expect(words('(cd / && ls) # rm -rf /\n{ echo a; }')).toEqual([[['cd', '/']], [['ls']], [['echo', 'a']]]);
  });

  it('should give back plain words unchanged (property)', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9_./=:,+@%-]{1,12}$/).filter((w) => !w.startsWith('#'));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 8 }), (list) => {
        expect(words(list.join(' '))).toEqual([[list]]);
      }),
    );
  });

  it('should read any single-quoted text back as one word (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }).filter((text) => !text.includes("'")),
        (text) => {
          expect(words(`echo '${text}'`)).toEqual([[['echo', text]]]);
        },
      ),
    );
  });

  it('should never throw (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (source) => {
        expect(() => parseShell(source)).not.toThrow();
      }),
    );
  });
});
