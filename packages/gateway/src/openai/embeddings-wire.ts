import type { EmbedResponse } from '@victor-ai/core';
import { z } from 'zod/v4';
import { HttpError } from '../http/http-error.js';

/** An OpenAI embeddings request body, validated (token-array inputs and `dimensions` are not supported). */
export const embeddingsRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2_048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  user: z.string().optional(),
});

/** Parses an embeddings body into its model, inputs and encoding; throws `HttpError` 400 naming the field. */
export function fromEmbeddingsRequest(body: unknown): {
  model: string;
  inputs: string[];
  encoding: 'float' | 'base64';
} {
  const parsed = embeddingsRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.');
    throw new HttpError({
      status: 400,
      reason: 'invalid_request',
      message: `${param === '' ? 'the body' : param}: ${issue.message}`,
      param: param || null,
    });
  }
  const { model, input, encoding_format: encoding = 'float' } = parsed.data;
  return { model, inputs: typeof input === 'string' ? [input] : input, encoding };
}

/** OpenAI's embeddings list body for core's `EmbedResponse`; `base64` is little-endian float32, as OpenAI sends. */
export function toEmbeddingsResponse(
  result: EmbedResponse,
  model: string,
  encoding: 'float' | 'base64',
): object {
  const tokens = result.usage?.inputTokens ?? 0;
  return {
    object: 'list',
    model,
    data: result.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding:
        encoding === 'base64'
          ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
          : Array.from(vector),
    })),
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
