import type { EmbedResponse } from '@victor-ai/core';
import { InvalidResponseError } from '@victor-ai/core';

/** Builds the JSON body of an `/embeddings` request. */
export function buildEmbeddingsBody(
  model: string,
  inputs: readonly string[],
  encoding: 'float' | 'base64',
): string {
  return JSON.stringify({ model, input: inputs, encoding_format: encoding });
}

function toVector(value: unknown, index: number): Float32Array {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.byteLength % 4 !== 0) {
      throw new InvalidResponseError({ message: `embedding ${index} is not base64 float32 data` });
    }
    // Copy into an aligned buffer: the decoded bytes may sit at any offset of Node's buffer pool.
    const vector = new Float32Array(bytes.byteLength / 4);
    new Uint8Array(vector.buffer).set(bytes);
    return vector;
  }
  if (Array.isArray(value)) return Float32Array.from(value as number[]);
  throw new InvalidResponseError({ message: `embedding ${index} is neither an array nor base64` });
}

/** Decodes an `/embeddings` response body into vectors in input order; checks the count. */
export function decodeEmbeddings(body: unknown, expected: number): EmbedResponse {
  const record = body as { data?: unknown; usage?: { prompt_tokens?: unknown } } | null;
  if (!Array.isArray(record?.data)) {
    throw new InvalidResponseError({
      message: `embeddings response has no data array: ${JSON.stringify(body).slice(0, 200)}`,
    });
  }
  const data = record.data as Array<{ index?: unknown; embedding?: unknown }>;
  if (data.length !== expected) {
    throw new InvalidResponseError({
      message: `embeddings response has ${data.length} vectors for ${expected} inputs`,
    });
  }
  const embeddings = new Array<Float32Array>(expected);
  for (let i = 0; i < data.length; i++) {
    const item = data[i]!;
    const index = typeof item.index === 'number' ? item.index : i;
    if (index < 0 || index >= expected || embeddings[index] !== undefined) {
      throw new InvalidResponseError({ message: `embeddings response has a bad or repeated index ${index}` });
    }
    embeddings[index] = toVector(item.embedding, index);
  }
  const tokens = record.usage?.prompt_tokens;
  return { embeddings, usage: { inputTokens: typeof tokens === 'number' ? tokens : 0 } };
}
