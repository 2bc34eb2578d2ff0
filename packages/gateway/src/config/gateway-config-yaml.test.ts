import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isYamlConfigFile, loadGatewayConfig, parseGatewayConfigYaml } from './gateway-config.js';

const HASH = `sha256:${'a'.repeat(64)}`;
const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

describe('YAML configuration', () => {
  it('reads the YAML example as the same configuration as the JSON one', () => {
    const yaml = loadGatewayConfig(join(examples, 'gateway.offline.yaml'));
    const json = loadGatewayConfig(join(examples, 'gateway.offline.json'));
    expect(yaml).toEqual(json);
    expect(JSON.parse(readFileSync(join(examples, 'gateway.offline.json'), 'utf8')).keys[0].hash).toBe(
      yaml.keys[0]!.hash,
    );
  });

  it.each([
    ['a/gateway.yaml', true],
    ['gateway.YML', true],
    ['gateway.json', false],
    ['yaml.json', false],
  ])('chooses the parser by extension: %s is YAML: %s', (file, yaml) => {
    expect(isYamlConfigFile(file)).toBe(yaml);
  });

  it('gives the line and column of a syntax error', () => {
    const text = 'endpoints:\n  a:\n    type: loopback\nroutes:\n  - alias: m\n   endpoints: [a]\n';
    expect(() => parseGatewayConfigYaml(text, 'gw.yaml')).toThrow(
      /^gw\.yaml is not valid YAML: .* at line 6, column \d+$/,
    );
  });

  it('refuses duplicate keys as a syntax error with a line', () => {
    const text = 'endpoints: {}\nroutes: []\nkeys: []\nkeys: []\n';
    expect(() => parseGatewayConfigYaml(text, 'gw.yaml')).toThrow(/not valid YAML: .*at line 4/);
  });

  it('names the path of a bad value, and its line', () => {
    const text = [
      'endpoints:',
      '  a: { type: loopback }',
      'routes:',
      '  - alias: m',
      '    endpoints: [a]',
      '    fallbacks: [x]',
      'keys:',
      `  - { id: k, hash: "${HASH}", requestsPerMinute: -1 }`,
      '',
    ].join('\n');
    let message = '';
    try {
      parseGatewayConfigYaml(text, 'gw.yaml');
    } catch (error) {
      message = (error as Error).message;
      expect((error as { code?: string }).code).toBe('INVALID_CONFIG');
    }
    expect(message).toContain('gw.yaml is not valid:');
    expect(message).toContain('routes[0].fallbacks[0]: unknown endpoint "x" (line 6, column 17)');
    expect(message).toMatch(/keys\[0\]\.requestsPerMinute: .* \(line 8, column \d+\)/);
  });

  it('points a missing field at its parent', () => {
    const text = 'endpoints:\n  a: { type: loopback }\nroutes:\n  - alias: m\nkeys: []\n';
    expect(() => parseGatewayConfigYaml(text)).toThrow(/routes\[0\]\.endpoints: .*\(line 4, column 5\)/);
  });

  it('loads a .yml file from disk and refuses an empty one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-yaml-'));
    const good = join(dir, 'g.yml');
    writeFileSync(
      good,
      `endpoints:\n  a:\n    type: loopback\nroutes:\n  - alias: m\n    endpoints: [a]\nkeys:\n  - id: k\n    hash: ${HASH}\n`,
    );
    expect(loadGatewayConfig(good).routes[0]!.alias).toBe('m');
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '# nothing\n');
    expect(() => loadGatewayConfig(empty)).toThrow(/empty\.yaml is not valid:\n {2}\(the file\): /);
  });
});
