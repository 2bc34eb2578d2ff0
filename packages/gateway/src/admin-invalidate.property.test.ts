import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat } from './__fixtures__/gateway-processes.js';
import { hashApiKey } from './api-keys.js';
import { loadGatewayConfig, parseGatewayConfig } from './config/gateway-config.js';
import { type Gateway, startGateway } from './gateway.js';

// Hostile clients against `POST /admin/cache/invalidate` on a real gateway (the offline example plus an
// admin key and a plain key): random methods, content types, API keys, Host headers and bodies (any JSON
// value, deep nesting, bodies over the size limit, sent whole or chunked, bytes that are not UTF-8).
// Every request gets an answer, and the answer is the one the documented contract gives: 415 for a POST
// that is not JSON, 401 without a valid key, 404 for a key that is not an admin (the route does not exist
// for it), then 405, 413, 400 or 404 for a bad request, each with OpenAI's error body; 200 only for a
// valid target sent by the admin key. A non-admin request never drops a cached answer.

const ADMIN = 'sk-fuzz-admin';
const PLAIN = 'sk-fuzz-plain';
const DEMO = 'sk-offline-demo';
const MAX_BODY_BYTES = 16_384;
const MAX_JSON_DEPTH = 64;
const KEY_IDS = ['offline-demo', 'ops', 'plain'];
/** How long any one request may take before the property counts it as a hang. */
const ANSWER_WITHIN_MS = 10_000;

let gateway: Gateway;

beforeAll(async () => {
  const example = loadGatewayConfig(
    fileURLToPath(new URL('../examples/gateway.offline.json', import.meta.url)),
  );
  const config = parseGatewayConfig({
    ...example,
    server: { ...example.server, limits: { maxBodyBytes: MAX_BODY_BYTES, maxJsonDepth: MAX_JSON_DEPTH } },
    keys: [
      ...example.keys,
      { id: 'ops', hash: hashApiKey(ADMIN), admin: true },
      { id: 'plain', hash: hashApiKey(PLAIN) },
    ],
    logging: { level: 'silent' },
  });
  // No REDIS_URL: the example's limits and cache stay in this process.
  gateway = await startGateway({ config, port: 0, env: {} });
});

afterAll(async () => {
  await gateway?.close(0);
});

type Who = 'admin' | 'plain' | 'none' | 'bad';

interface Probe {
  method: string;
  path: string;
  host: string | undefined;
  contentType: string | undefined;
  auth: { who: Who; headers: Record<string, string> };
  body: { bytes: Buffer; chunked: boolean } | undefined;
}

/** Header-safe text: printable ASCII and Latin-1, as a client may send in a header. */
const headerText = fc
  .array(fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })), {
    minLength: 1,
    maxLength: 40,
  })
  .map((codes) => String.fromCharCode(...codes));

const auth: fc.Arbitrary<Probe['auth']> = fc.oneof(
  fc.constant({ who: 'admin' as Who, headers: { authorization: `Bearer ${ADMIN}` } }),
  fc.constant({ who: 'admin' as Who, headers: { authorization: `bearer   ${ADMIN}  ` } }),
  fc.constant({ who: 'admin' as Who, headers: { 'x-api-key': ADMIN } }),
  fc.constant({ who: 'plain' as Who, headers: { authorization: `Bearer ${PLAIN}` } }),
  fc.constant({ who: 'plain' as Who, headers: { authorization: `Bearer ${DEMO}` } }),
  fc.constant({ who: 'plain' as Who, headers: { 'x-api-key': PLAIN } }),
  fc.constant({ who: 'none' as Who, headers: {} }),
  fc.constant({ who: 'none' as Who, headers: { authorization: 'Bearer' } }),
  fc.constant({ who: 'none' as Who, headers: { authorization: `Bearer ${ADMIN} extra` } }),
  fc.constant({ who: 'none' as Who, headers: { authorization: `Basic ${ADMIN}` } }),
  fc.constant({ who: 'bad' as Who, headers: { authorization: `Bearer ${ADMIN}x` } }),
  fc.constant({ who: 'bad' as Who, headers: { 'x-api-key': ADMIN.toUpperCase() } }),
  headerText.map((key) => ({ who: 'bad' as Who, headers: { authorization: `Bearer ${key}` } })),
  headerText.map((key) => ({ who: 'bad' as Who, headers: { 'x-api-key': key } })),
);

/** Valid targets, near misses and any JSON value, as JSON text. */
const jsonBody = fc
  .oneof(
    fc.constantFrom(
      { all: true },
      { keyId: 'plain' },
      { keyId: 'nobody' },
      { keyId: '' },
      { all: 'true' },
      { all: true, keyId: 'plain' },
      [{ all: true }],
      { keyId: { toString: 'plain' } },
      { ['__proto__']: { all: true } },
    ),
    fc.record({ keyId: fc.oneof(fc.constantFrom(...KEY_IDS), fc.string()) }),
    fc.jsonValue({ maxDepth: 5 }),
  )
  .map((value) => Buffer.from(JSON.stringify(value) ?? 'null'));

/** Valid targets, near misses, any JSON value (the most often), and what no JSON parser accepts. */
const bodyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: jsonBody, weight: 4 },
  // Deep nesting, around the depth limit and far past it.
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 3_000 }), fc.constantFrom('[', '{"a":'))
      .map(([depth, open]) =>
        Buffer.from(`${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`),
      ),
    weight: 2,
  },
  // Near and over the body limit.
  {
    arbitrary: fc
      .integer({ min: MAX_BODY_BYTES - 40, max: MAX_BODY_BYTES * 4 })
      .map((size) => Buffer.from(`{"keyId":"${'x'.repeat(size)}"}`)),
    weight: 2,
  },
  // Bytes that are not UTF-8, alone or inside a JSON string.
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc
    .uint8Array({ minLength: 1, maxLength: 20 })
    .map((bytes) => Buffer.concat([Buffer.from('{"keyId":"'), Buffer.from(bytes), Buffer.from('"}')])),
  fc.string({ maxLength: 100 }).map((text) => Buffer.from(text)),
);

const probe = (who: fc.Arbitrary<Probe['auth']>): fc.Arbitrary<Probe> =>
  fc.record({
    method: fc.oneof(
      { arbitrary: fc.constant('POST'), weight: 8 },
      { arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH'), weight: 2 },
    ),
    path: fc.constantFrom('/admin/cache/invalidate', '/admin/cache/invalidate?all=true'),
    host: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 9 },
      { arbitrary: fc.constantFrom('evil.example', 'localhost:1'), weight: 1 },
    ),
    contentType: fc.oneof(
      {
        arbitrary: fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'Application/JSON ;charset=latin1',
        ),
        weight: 8,
      },
      {
        arbitrary: fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/jsonx',
          undefined,
        ),
        weight: 1,
      },
      { arbitrary: headerText, weight: 1 },
    ),
    auth: who,
    body: fc.option(fc.record({ bytes: bodyBytes, chunked: fc.boolean() }), { freq: 6 }),
  });

function isJsonContentType(header: string | undefined): boolean {
  return header?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

/** The status and `code` the contract gives a probe (the model the gateway is checked against). */
function expected(p: Probe): { status: number; code?: string } {
  if (p.host === 'evil.example') return { status: 403, code: 'host_not_allowed' };
  if (p.method === 'POST' && !isJsonContentType(p.contentType)) {
    return { status: 415, code: 'unsupported_media_type' };
  }
  if (p.auth.who === 'none' || p.auth.who === 'bad') return { status: 401, code: 'unauthorized' };
  if (p.auth.who === 'plain') return { status: 404, code: 'not_found' };
  if (p.method !== 'POST') return { status: 405, code: 'method_not_allowed' };
  const bytes = p.body?.bytes ?? Buffer.alloc(0);
  if (bytes.length > MAX_BODY_BYTES) return { status: 413, code: 'body_too_large' };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    // Malformed, or (cut short by the depth check before parsing) too deep: both are 400.
    return { status: 400 };
  }
  if (depthOf(value) > MAX_JSON_DEPTH) return { status: 400, code: 'json_too_deep' };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const fields = value as Record<string, unknown>;
    const keys = Object.keys(fields);
    if (keys.length === 1 && fields.all === true) return { status: 200 };
    if (keys.length === 1 && typeof fields.keyId === 'string' && fields.keyId !== '') {
      return KEY_IDS.includes(fields.keyId) ? { status: 200 } : { status: 404, code: 'not_found' };
    }
  }
  return { status: 400, code: 'invalid_request' };
}

/** Sends a probe; resolves with the status and the parsed body, or rejects if no answer comes in time. */
async function send(p: Probe): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { ...p.auth.headers };
  if (p.contentType !== undefined) headers['content-type'] = p.contentType;
  if (p.host !== undefined) headers.host = p.host;
  const bytes = p.body?.bytes;
  const response = await request(`${gateway.url}${p.path}`, {
    method: p.method as 'POST',
    headers,
    // A chunked body has no content-length: the server finds its size while reading.
    ...(bytes === undefined || p.method === 'GET'
      ? {}
      : {
          body: p.body!.chunked
            ? Readable.from(
                (function* () {
                  for (let at = 0; at < bytes.length; at += 4_096) yield bytes.subarray(at, at + 4_096);
                })(),
              )
            : bytes,
        }),
    headersTimeout: ANSWER_WITHIN_MS,
    bodyTimeout: ANSWER_WITHIN_MS,
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text === '' ? undefined : JSON.parse(text) };
}

/** Asserts the answer to `p` is the contract's, with OpenAI's error body on a refusal. */
function expectAnswer(p: Probe, answer: { status: number; body: unknown }): void {
  const want = expected(p);
  expect(answer.status).toBe(want.status);
  if (want.status === 200) {
    const body = answer.body as { invalidated: unknown; reach: unknown };
    expect(Object.keys(body).sort()).toEqual(['invalidated', 'reach']);
    expect(body.invalidated === null || Number.isInteger(body.invalidated)).toBe(true);
    expect(body.reach).toBe('process');
    return;
  }
  const { error, ...rest } = answer.body as { error: Record<string, unknown> };
  expect(rest).toEqual({});
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(error.message).toEqual(expect.any(String));
  expect(error.type).toBe(want.status === 401 ? 'authentication_error' : 'invalid_request_error');
  expect(error.param === null || error.param === 'keyId').toBe(true);
  if (want.code === 'body_too_large') {
    // Refused from the declared length, or (chunked) once the bytes read pass the limit.
    expect(error.message).toContain(p.body!.chunked ? 'bytes received' : 'content-length');
  }
  if (want.code) expect(error.code).toBe(want.code);
  else expect(['invalid_json', 'json_too_deep']).toContain(error.code);
}

/** Caches an answer for `key` (a temperature-0 chat, asked twice) and returns its content. */
async function cacheAnswer(key: string, content: string): Promise<string> {
  await chat(gateway.url, key, content, 0);
  const again = await chat(gateway.url, key, content, 0);
  expect(again).toMatchObject({ status: 200, cache: 'hit' });
  return content;
}

describe('POST /admin/cache/invalidate against hostile requests (property)', () => {
  it('answers every request without a valid admin key as the contract says, and drops no cached answer', async () => {
    const plainQuestion = await cacheAnswer(PLAIN, 'kept for plain');
    const demoQuestion = await cacheAnswer(DEMO, 'kept for the demo key');
    await fc.assert(
      fc.asyncProperty(
        fc.array(probe(auth.filter((a) => a.who !== 'admin')), { minLength: 1, maxLength: 5 }),
        async (probes) => {
          // Sent together, on as many connections as the client opens.
          const answers = await Promise.all(probes.map(send));
          for (const [index, p] of probes.entries()) expectAnswer(p, answers[index]!);
          expect((await chat(gateway.url, PLAIN, plainQuestion, 0)).cache).toBe('hit');
        },
      ),
      { numRuns: 100 },
    );
    expect((await chat(gateway.url, DEMO, demoQuestion, 0)).cache).toBe('hit');
  }, 120_000);

  it('answers every request of the admin key as the contract says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(probe(auth.filter((a) => a.who === 'admin')), { minLength: 1, maxLength: 5 }),
        async (probes) => {
          const answers = await Promise.all(probes.map(send));
          for (const [index, p] of probes.entries()) expectAnswer(p, answers[index]!);
        },
      ),
      { numRuns: 100 },
    );
  }, 120_000);

  it('still answers a chat afterwards, and an admin invalidation does drop a cached answer', async () => {
    const question = await cacheAnswer(PLAIN, 'dropped by the admin');
    expect(
      (
        await send({
          method: 'POST',
          path: '/admin/cache/invalidate',
          host: undefined,
          contentType: 'application/json',
          auth: { who: 'admin', headers: { authorization: `Bearer ${ADMIN}` } },
          body: { bytes: Buffer.from('{"keyId":"plain"}'), chunked: false },
        })
      ).status,
    ).toBe(200);
    const after = await chat(gateway.url, PLAIN, question, 0);
    expect(after).toMatchObject({ status: 200, cache: 'miss' });
    expect(gateway.http.inFlight).toBe(0);
  });
});
