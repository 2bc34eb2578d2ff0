import { describe, expect, it } from 'vitest';
import { readModelConfig } from './config.js';

describe('readModelConfig', () => {
  it('uses Anthropic with ANTHROPIC_API_KEY and VICTOR_MODEL', () => {
    expect(readModelConfig({ ANTHROPIC_API_KEY: ' ak ', VICTOR_MODEL: 'claude-x' })).toEqual({
      kind: 'anthropic',
      baseURL: undefined,
      apiKey: 'ak',
      model: 'claude-x',
    });
    expect(
      readModelConfig({
        ANTHROPIC_API_KEY: 'ak',
        VICTOR_MODEL: 'c',
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:1/v1',
      }),
    ).toMatchObject({ kind: 'anthropic', baseURL: 'http://127.0.0.1:1/v1' });
  });

  it('speaks OpenAI Responses with VICTOR_API=responses, remote or offline, and refuses other values', () => {
    expect(
      readModelConfig({ VICTOR_BASE_URL: 'http://x/v1', VICTOR_MODEL: 'm', VICTOR_API: 'responses' }),
    ).toEqual({
      kind: 'remote',
      baseURL: 'http://x/v1',
      apiKey: undefined,
      model: 'm',
      api: 'responses',
    });
    expect(readModelConfig({ VICTOR_API: 'Responses' })).toEqual({ kind: 'offline', api: 'responses' });
    expect(readModelConfig({ VICTOR_API: 'chat' })).toEqual({ kind: 'offline' });
    expect(() => readModelConfig({ VICTOR_API: 'gemini' })).toThrow(
      'VICTOR_API must be "chat" or "responses", got "gemini"',
    );
  });

  it('prefers VICTOR_BASE_URL over an Anthropic key', () => {
    expect(
      readModelConfig({ VICTOR_BASE_URL: 'http://x/v1', VICTOR_MODEL: 'm', ANTHROPIC_API_KEY: 'ak' }),
    ).toMatchObject({ kind: 'remote', baseURL: 'http://x/v1' });
  });

  it('stays offline, with a hint, when an Anthropic key has no model', () => {
    const config = readModelConfig({ ANTHROPIC_API_KEY: 'ak' });
    expect(config.kind).toBe('offline');
    expect(config.kind === 'offline' && config.hint).toContain('VICTOR_MODEL');
  });
});
