import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError } from '@victor-ai/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  formatConfigPath,
  loadGatewayConfig,
  parseGatewayConfig,
  parseGatewayConfigYaml,
} from './gateway-config.js';

// Hostile configuration texts: whatever the text, the only error out of the YAML and JSON readers is
// InvalidConfigError (code INVALID_CONFIG) with a message naming the source and where it went wrong.

const HASH = `sha256:${'a'.repeat(64)}`;
const VALID = {
  endpoints: { a: { type: 'loopback' } },
  routes: [{ alias: 'm', endpoints: ['a'] }],
  keys: [{ id: 'k', hash: HASH }],
};

/** The error `run` throws (undefined when it returns). */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Asserts `error` is undefined or the typed configuration error, its message naming `source` and a place. */
function expectConfigError(error: unknown, source: string): void {
  if (error === undefined) return;
  expect(error).toBeInstanceOf(InvalidConfigError);
  const typed = error as InvalidConfigError;
  expect(typed.code).toBe('INVALID_CONFIG');
  expect(typed.message.startsWith(`${source} is not valid`)).toBe(true);
  // A syntax error says what broke; a schema error lists `path: problem`, its first path being `option`.
  if (typed.message.startsWith(`${source} is not valid:`)) {
    expect(typed.message).toContain(`\n  ${typed.option}: `);
  } else {
    expect(typed.message).toMatch(/ is not valid (YAML|JSON): \S/);
  }
}

/** Text made of YAML's syntax pieces (indicators, anchors, aliases, tags, directives) and plain words. */
const yamlishText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ':',
        ': ',
        '- ',
        '? ',
        '\n',
        '\n  ',
        '\n    ',
        ' ',
        '\t',
        '[',
        ']',
        '{',
        '}',
        ',',
        '#',
        '|',
        '>',
        '"',
        "'",
        '&a ',
        '*a',
        '&b ',
        '*b',
        '!!str ',
        '!!int ',
        '!!binary ',
        '!!timestamp ',
        '!!set ',
        '!custom ',
        '<<: ',
        '---\n',
        '...\n',
        '%YAML 1.1\n',
        '%TAG ! tag:x,2000:\n',
        'endpoints',
        'routes',
        'keys',
        'type: loopback',
        'alias',
        '__proto__',
        '~',
        '.inf',
        '0x1F',
        '1e999',
        '\\u0000',
        '\u0000',
        '\uFEFF',
        '\uD800',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

/** The valid configuration with the value at one of its paths replaced by any JSON value. */
const nearlyValid = fc
  .tuple(
    fc.constantFrom(
      ['endpoints'],
      ['endpoints', 'a'],
      ['endpoints', 'a', 'type'],
      ['endpoints', 'a', 'latencyMs'],
      ['routes'],
      ['routes', 0],
      ['routes', 0, 'alias'],
      ['routes', 0, 'endpoints', 0],
      ['routes', 0, 'fallbacks'],
      ['keys', 0, 'id'],
      ['keys', 0, 'hash'],
      ['keys', 0, 'requestsPerMinute'],
      ['keys', 0, 'models'],
      ['cache'],
      ['redis'],
      ['server', 'limits'],
      ['x'],
    ),
    fc.jsonValue({ maxDepth: 4 }),
  )
  .map(([path, value]) => {
    const config = structuredClone(VALID) as Record<PropertyKey, unknown>;
    let parent: Record<PropertyKey, unknown> = config;
    for (const part of path.slice(0, -1)) {
      parent[part] ??= {};
      parent = parent[part] as Record<PropertyKey, unknown>;
    }
    parent[path.at(-1)!] = value;
    return config;
  });

describe('parseGatewayConfigYaml against hostile texts (property)', () => {
  it('throws nothing but InvalidConfigError for YAML-ish text or any string', () => {
    fc.assert(
      fc.property(fc.oneof(yamlishText, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        expectConfigError(
          thrownBy(() => parseGatewayConfigYaml(text, 'gw.yaml')),
          'gw.yaml',
        );
      }),
      { numRuns: 400 },
    );
  });

  it('agrees with parseGatewayConfig on any JSON value dumped as YAML, and names the same first path', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), nearlyValid), (value) => {
        const fromYaml = thrownBy(() => parseGatewayConfigYaml(stringify(value), 'gw.yaml'));
        const fromValue = thrownBy(() => parseGatewayConfig(value, 'gw.yaml'));
        expectConfigError(fromYaml, 'gw.yaml');
        expectConfigError(fromValue, 'gw.yaml');
        expect(fromYaml === undefined).toBe(fromValue === undefined);
        if (fromValue !== undefined) {
          expect((fromYaml as InvalidConfigError).option).toBe((fromValue as InvalidConfigError).option);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names the replaced path when a nearly valid configuration is refused', () => {
    fc.assert(
      fc.property(nearlyValid, (value) => {
        const error = thrownBy(() => parseGatewayConfigYaml(stringify(value), 'gw.yaml'));
        expectConfigError(error, 'gw.yaml');
        if (error !== undefined) {
          // The line is that of the node at the path (or of its parent, for a missing key).
          expect((error as Error).message).toMatch(/: .* \(line \d+, column \d+\)/);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('loadGatewayConfig against hostile files (property)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-config-property-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('throws nothing but InvalidConfigError for any bytes in a .yaml or .json file', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('g.yaml', 'g.yml', 'g.json'),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
          yamlishText.map((text) => Buffer.from(text)),
          fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value))),
        ),
        (name, bytes) => {
          const file = join(dir, name);
          writeFileSync(file, bytes);
          expectConfigError(
            thrownBy(() => loadGatewayConfig(file)),
            file,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('names a missing file with the typed error', () => {
    const file = join(dir, 'missing.yaml');
    const error = thrownBy(() => loadGatewayConfig(file));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toContain(`cannot read the configuration file ${file}`);
  });
});

describe('YAML aliases', () => {
  it('refuses an alias-expansion bomb ("billion laughs") with InvalidConfigError', () => {
    // Nine levels of nine aliases each: 9^9 (387 million) strings if expanded.
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    let previous = 'a';
    for (const name of 'bcdefghi') {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
      previous = name;
    }
    const error = thrownBy(() => parseGatewayConfigYaml(`${lines.join('\n')}\n`, 'bomb.yaml'));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).code).toBe('INVALID_CONFIG');
    expect((error as Error).message).toBe(
      'bomb.yaml is not valid YAML: Excessive alias count indicates a resource exhaustion attack',
    );
  });

  it('refuses an alias to no anchor with InvalidConfigError naming the alias', () => {
    const error = thrownBy(() => parseGatewayConfigYaml('endpoints: *nowhere\n', 'gw.yaml'));
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as Error).message).toMatch(/^gw\.yaml is not valid YAML: Unresolved alias .*: nowhere$/);
  });

  it('still expands a few aliases in a valid configuration', () => {
    const text = [
      'endpoints: { a: &local { type: loopback }, b: *local }',
      'routes: [{ alias: m, endpoints: [a, b] }]',
      `keys: [{ id: k, hash: "${HASH}" }]`,
      '',
    ].join('\n');
    expect(parseGatewayConfigYaml(text).endpoints.b).toEqual({ type: 'loopback' });
    expect(formatConfigPath(['routes', 0, 'endpoints', 1])).toBe('routes[0].endpoints[1]');
  });
});
