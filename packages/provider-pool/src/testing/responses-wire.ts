import type { LoopbackMessageReply } from './loopback-server.js';

/** The last user text of a Responses request: `input` as a string, or its last user message item. */
export function lastResponsesUserText(body: Record<string, unknown>): string {
  const input = body.input;
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as { role?: unknown; content?: unknown };
    if (item?.role !== 'user') continue;
    if (typeof item.content === 'string') return item.content;
    if (Array.isArray(item.content)) {
      return (item.content as Array<{ text?: unknown }>)
        .map((part) => (typeof part?.text === 'string' ? part.text : ''))
        .join('');
    }
  }
  return '';
}

interface ResponseParts {
  reasoning: Record<string, unknown>;
  message: Record<string, unknown> | undefined;
  calls: Array<Record<string, unknown>>;
  usage: Record<string, unknown>;
  status: 'completed' | 'incomplete';
}

/**
 * The output of a loopback Responses answer: a reasoning item first (its summary is `reply.reasoning` or a
 * fixed sentence; `encrypted_content` when the request asked for `reasoning.encrypted_content`), then the
 * message, then the function calls.
 */
function partsOf(
  reply: LoopbackMessageReply,
  request: Record<string, unknown>,
  index: number,
): ResponseParts {
  const reasoning: Record<string, unknown> = {
    type: 'reasoning',
    id: `rs_loopback_${index}`,
    summary: [{ type: 'summary_text', text: reply.reasoning ?? 'Thinking about the request.' }],
  };
  const include = Array.isArray(request.include) ? request.include : [];
  if (include.includes('reasoning.encrypted_content')) {
    reasoning.encrypted_content = `enc_loopback_${index}_${Buffer.from(`reasoning ${index}`).toString('base64')}`;
  }
  const text = reply.text ?? '';
  const message =
    text.length > 0 || (reply.toolCalls ?? []).length === 0
      ? {
          type: 'message',
          id: `msg_loopback_${index}`,
          status: 'completed',
          role: 'assistant',
          content: [{ type: 'output_text', text, annotations: [] }],
        }
      : undefined;
  const calls = (reply.toolCalls ?? []).map((call, position) => ({
    type: 'function_call',
    id: `fc_loopback_${index}_${position}`,
    call_id: call.id ?? `call_${position}`,
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    status: 'completed',
  }));
  const usage = reply.usage ?? { inputTokens: 10, outputTokens: Math.ceil(text.length / 4) };
  return {
    reasoning,
    message,
    calls,
    usage: {
      input_tokens: usage.inputTokens,
      input_tokens_details: { cached_tokens: usage.cachedTokens ?? 0 },
      output_tokens: usage.outputTokens + 8,
      output_tokens_details: { reasoning_tokens: 8 },
      total_tokens: usage.inputTokens + usage.outputTokens + 8,
    },
    status: reply.finishReason === 'length' ? 'incomplete' : 'completed',
  };
}

function responseObject(
  id: string,
  model: string,
  status: string,
  output: unknown[],
  usage: unknown,
): object {
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    model,
    output,
    usage,
  };
}

/** A whole Responses API body for a reply. */
export function responsesBody(
  reply: LoopbackMessageReply,
  request: Record<string, unknown>,
  index: number,
  id: string,
  model: string,
): string {
  const parts = partsOf(reply, request, index);
  const output: unknown[] = [parts.reasoning];
  if (parts.message) output.push(parts.message);
  output.push(...parts.calls);
  return JSON.stringify(responseObject(id, model, parts.status, output, parts.usage));
}

function sse(payload: Record<string, unknown>): string {
  return `event: ${payload.type as string}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** The Responses API stream events (each a complete SSE event) that carry a reply. */
export function responsesStreamEvents(
  reply: LoopbackMessageReply,
  request: Record<string, unknown>,
  index: number,
  id: string,
  model: string,
): string[] {
  const parts = partsOf(reply, request, index);
  let sequence = 0;
  const event = (payload: Record<string, unknown>) => sse({ ...payload, sequence_number: sequence++ });
  const events = [
    event({ type: 'response.created', response: responseObject(id, model, 'in_progress', [], null) }),
  ];
  let outputIndex = 0;
  const summary = (parts.reasoning.summary as Array<{ text: string }>)[0]!.text;
  events.push(
    event({
      type: 'response.output_item.added',
      output_index: outputIndex,
      item: { ...parts.reasoning, summary: [] },
    }),
    event({
      type: 'response.reasoning_summary_text.delta',
      item_id: parts.reasoning.id,
      output_index: outputIndex,
      summary_index: 0,
      delta: summary,
    }),
    event({ type: 'response.output_item.done', output_index: outputIndex, item: parts.reasoning }),
  );
  const output: unknown[] = [parts.reasoning];
  outputIndex++;
  if (parts.message) {
    const item = parts.message;
    const text = ((item.content as Array<{ text: string }>)[0] ?? { text: '' }).text;
    events.push(
      event({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...item, content: [] },
      }),
    );
    const size = Math.max(1, reply.chunkSize ?? 16);
    for (let offset = 0; offset < text.length; offset += size) {
      events.push(
        event({
          type: 'response.output_text.delta',
          item_id: item.id,
          output_index: outputIndex,
          content_index: 0,
          delta: text.slice(offset, offset + size),
        }),
      );
    }
    events.push(event({ type: 'response.output_item.done', output_index: outputIndex, item }));
    output.push(item);
    outputIndex++;
  }
  for (const call of parts.calls) {
    const args = call.arguments as string;
    events.push(
      event({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...call, arguments: '' },
      }),
    );
    const half = Math.ceil(args.length / 2);
    for (const part of [args.slice(0, half), args.slice(half)]) {
      if (part.length === 0) continue;
      events.push(
        event({
          type: 'response.function_call_arguments.delta',
          item_id: call.id,
          output_index: outputIndex,
          delta: part,
        }),
      );
    }
    events.push(
      event({
        type: 'response.function_call_arguments.done',
        item_id: call.id,
        output_index: outputIndex,
        arguments: args,
      }),
      event({ type: 'response.output_item.done', output_index: outputIndex, item: call }),
    );
    output.push(call);
    outputIndex++;
  }
  events.push(
    event({
      type: parts.status === 'completed' ? 'response.completed' : 'response.incomplete',
      response: responseObject(id, model, parts.status, output, parts.usage),
    }),
  );
  return events;
}
