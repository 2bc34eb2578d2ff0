import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultSecretPatterns, findSecret, redactSecrets, redactString } from './secrets.js';

const samples: Array<[string, string]> = [
  [
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
    'private-key',
  ],
  ['AKIAIOSFODNN7EXAMPLE', 'aws-access-key-id'],
  ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws-secret-access-key'],
  [`AIza${'B'.repeat(35)}`, 'google-api-key'],
  [`github_pat_${'a'.repeat(30)}`, 'github-token'],
  [`glpat-${'x'.repeat(20)}`, 'gitlab-token'],
  [`sk_live_${'a1'.repeat(12)}`, 'stripe-key'],
  [`npm_${'a'.repeat(36)}`, 'npm-token'],
  [`sk-ant-api03-${'z'.repeat(30)}`, 'anthropic-api-key'],
  ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'jwt'],
  ['Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345', 'bearer-token'],
  ['postgres://admin:s3cretpass@db.example.com:5432/app', 'url-password'],
  ['password=CorrectHorseBattery9', 'credential-assignment'],
  [`ghp_${'a'.repeat(36)}`, 'github-token'],
  ['xoxb-1234567890-abcdefghij', 'slack-token'],
  [`hf_${'Q'.repeat(34)}`, 'huggingface-token'],
  [`sk-proj-${'A1b2'.repeat(8)}`, 'openai-api-key'],
  [`AccountKey=${'a'.repeat(88)}`, 'azure-storage-key'],
];

describe('defaultSecretPatterns', () => {
  it('should have a sample for every pattern', () => {
    const kinds = new Set(samples.map(([, kind]) => kind));
    expect(defaultSecretPatterns.map((pattern) => pattern.name).filter((name) => !kinds.has(name))).toEqual(
      [],
    );
  });
});

describe('findSecret', () => {
  it.each(samples)('should find %j as %s', (text, kind) => {
    expect(findSecret(`prefix ${text} suffix`)).toMatchObject({ kind });
  });

  it('should report where in a nested value', () => {
    expect(findSecret({ a: [{ b: 'x' }, { c: 'AKIAIOSFODNN7EXAMPLE' }] }, {}, 'args')).toEqual({
      kind: 'aws-access-key-id',
      path: 'args.a[1].c',
    });
  });

  it.each([
    'export TOKEN=$GITHUB_TOKEN',
    'curl -H "Authorization: Bearer $TOKEN" https://api.example.com',
    'git clone https://github.com/org/repo.git',
    'password: <redacted>',
    'the sk- prefix is used by some keys',
    'API_KEY=your-api-key-here',
    'client_secret: <client-secret-goes-here>',
    'password=changeme-before-deploying',
    'postgres://user:password@localhost:5432/app',
    'redis://:changeme@127.0.0.1:6379',
  ])('should not flag %j', (text) => {
    expect(findSecret(text)).toBeUndefined();
  });

  it('should find nothing in lowercase words and spaces (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,10}$/), { maxLength: 30 }), (words) => {
        expect(findSecret(words.join(' '))).toBeUndefined();
      }),
    );
  });
});

describe('redactSecrets', () => {
  it('should redact every secret and keep the rest', () => {
    const text = samples.map(([secret]) => secret).join('\n');
    const redacted = redactString(text);
    for (const [, kind] of samples) expect(redacted).toContain(`[REDACTED:${kind}]`);
    expect(findSecret(redacted)).toBeUndefined();
  });

  it('should copy only what changed', () => {
    const clean = { a: { b: ['x'] } };
    expect(redactSecrets(clean)).toBe(clean);
    const dirty = { keep: { same: true }, list: ['AKIAIOSFODNN7EXAMPLE'], apiKey: 'whatever' };
    const result = redactSecrets(dirty);
    expect(result).not.toBe(dirty);
    expect(result.keep).toBe(dirty.keep);
    expect(result).toEqual({
      keep: { same: true },
      list: ['[REDACTED:aws-access-key-id]'],
      apiKey: '[REDACTED]',
    });
  });

  it('should be idempotent (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samples.map(([s]) => s)),
        fc.string({ maxLength: 20 }),
        (secret, noise) => {
          const once = redactString(`${noise} ${secret} ${noise}`);
          expect(redactString(once)).toBe(once);
        },
      ),
    );
  });
});
