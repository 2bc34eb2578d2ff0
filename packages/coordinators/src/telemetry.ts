import type {
  ChatRequest,
  ChatResponse,
  MetricLabels,
  SpanTracer,
  ToolCall,
  ToolResult,
  TraceSpan,
} from '@victor-ai/core';
import { VictorError } from '@victor-ai/core';

// Label objects are built once and frozen: sinks find a series by the label object's identity.
const MAX_LABEL_SETS = 10_000;
const stageLabels = new Map<string, MetricLabels>();

/** A frozen `{ stage }` label object, one per stage name, so hot paths allocate none. */
export function stageLabel(stage: string): MetricLabels {
  let labels = stageLabels.get(stage);
  if (labels === undefined) {
    labels = Object.freeze({ stage });
    stageLabels.set(stage, labels);
  }
  return labels;
}

/** The frozen `{ provider, model }` labels of model-call metrics, kept per coordinator. */
export class ModelLabels {
  private readonly byKey = new Map<string, MetricLabels>();
  private lastChoice: object | undefined;
  private lastLabels: MetricLabels | undefined;

  /** The labels of a provider choice; the same choice object as last time costs one comparison. */
  ofChoice(choice: { readonly name: string; readonly model: string }): MetricLabels {
    if (choice === this.lastChoice) return this.lastLabels!;
    const labels = this.of(choice.name, choice.model);
    this.lastChoice = choice;
    this.lastLabels = labels;
    return labels;
  }

  of(provider: string, model: string): MetricLabels {
    const key = `${provider}\u0000${model}`;
    let labels = this.byKey.get(key);
    if (labels === undefined) {
      labels = Object.freeze({ provider, model });
      if (this.byKey.size < MAX_LABEL_SETS) this.byKey.set(key, labels);
    }
    return labels;
  }
}

/** The `outcome` label of a tool call: `ok`, `blocked` (a middleware refused it), `timeout`, `aborted` or `error`. */
export type ToolOutcome = 'ok' | 'blocked' | 'timeout' | 'aborted' | 'error';

/** The outcome a tool result counts as in `victor_tool_calls_total` and `victor_tool_duration_seconds`. */
export function toolOutcome(result: ToolResult): ToolOutcome {
  if (result.ok) return 'ok';
  const { code, middleware } = result.error;
  if (code === 'TIMEOUT') return 'timeout';
  if (code === 'ABORTED') return 'aborted';
  if (middleware !== undefined && code !== 'MIDDLEWARE_FAILED') return 'blocked';
  return 'error';
}

/** The frozen `{ tool, outcome }` labels of each tool, built on the tool's first report. */
export class ToolLabels {
  private readonly byTool = new Map<string, Record<ToolOutcome, MetricLabels>>();

  of(tool: string, outcome: ToolOutcome): MetricLabels {
    let labels = this.byTool.get(tool);
    if (labels === undefined) {
      labels = {
        ok: Object.freeze({ tool, outcome: 'ok' }),
        blocked: Object.freeze({ tool, outcome: 'blocked' }),
        timeout: Object.freeze({ tool, outcome: 'timeout' }),
        aborted: Object.freeze({ tool, outcome: 'aborted' }),
        error: Object.freeze({ tool, outcome: 'error' }),
      };
      if (this.byTool.size < MAX_LABEL_SETS) this.byTool.set(tool, labels);
    }
    return labels[outcome];
  }
}

// OpenTelemetry GenAI semantic conventions (gen-ai-spans.md): operation names and attribute keys.
const SPAN_STATUS_ERROR = 2;

/** A span for one agent turn: `invoke_agent`, the parent of its model calls and tool calls. */
export function startTurnSpan(tracer: SpanTracer, conversationId: string | undefined): TraceSpan {
  const attributes: Record<string, string> = { 'gen_ai.operation.name': 'invoke_agent' };
  if (conversationId !== undefined) attributes['gen_ai.conversation.id'] = conversationId;
  return tracer.startSpan('invoke_agent', { attributes });
}

/** Records on the turn span the provider and model the turn was sent to. */
export function routeTurnSpan(span: TraceSpan, provider: string, model: string): void {
  span.setAttribute('gen_ai.provider.name', provider);
  span.setAttribute('gen_ai.request.model', model);
}

// The prompt-cache share of the input (GenAI conventions: both are part of gen_ai.usage.input_tokens).
function setCacheUsage(
  span: TraceSpan,
  usage: { cachedInputTokens?: number | undefined; cacheWriteInputTokens?: number | undefined },
): void {
  if (usage.cachedInputTokens !== undefined)
    span.setAttribute('gen_ai.usage.cache_read.input_tokens', usage.cachedInputTokens);
  if (usage.cacheWriteInputTokens !== undefined)
    span.setAttribute('gen_ai.usage.cache_creation.input_tokens', usage.cacheWriteInputTokens);
}

/** Ends a turn span that finished, with the turn's summed token usage (cache reads and writes included). */
export function endTurnSpan(
  span: TraceSpan,
  usage: {
    inputTokens: number;
    outputTokens: number;
    cachedInputTokens?: number | undefined;
    cacheWriteInputTokens?: number | undefined;
  },
  cached: boolean,
): void {
  span.setAttribute('gen_ai.usage.input_tokens', usage.inputTokens);
  span.setAttribute('gen_ai.usage.output_tokens', usage.outputTokens);
  setCacheUsage(span, usage);
  if (cached) span.setAttribute('victor.response_cached', true);
  span.end();
}

/** A `chat {model}` client span for one model call of a turn. */
export function startModelSpan(
  tracer: SpanTracer,
  parent: TraceSpan | undefined,
  provider: string,
  request: ChatRequest,
): TraceSpan {
  const attributes: Record<string, string | number> = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': provider,
    'gen_ai.request.model': request.model,
  };
  if (request.temperature !== undefined) attributes['gen_ai.request.temperature'] = request.temperature;
  if (request.maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = request.maxTokens;
  return tracer.startSpan(`chat ${request.model}`, { kind: 'client', attributes, parent });
}

/** Ends a model-call span with what the response says about itself. */
export function endModelSpan(
  span: TraceSpan,
  response: {
    id?: string | undefined;
    model?: string | undefined;
    finishReason: ChatResponse['finishReason'];
    usage: ChatResponse['usage'];
  },
): void {
  if (response.id !== undefined) span.setAttribute('gen_ai.response.id', response.id);
  if (response.model !== undefined) span.setAttribute('gen_ai.response.model', response.model);
  span.setAttribute('gen_ai.response.finish_reasons', [response.finishReason]);
  span.setAttribute('gen_ai.usage.input_tokens', response.usage.inputTokens);
  span.setAttribute('gen_ai.usage.output_tokens', response.usage.outputTokens);
  setCacheUsage(span, response.usage);
  span.end();
}

/** An `execute_tool {name}` span for one tool call. */
export function startToolSpan(tracer: SpanTracer, parent: TraceSpan | undefined, call: ToolCall): TraceSpan {
  return tracer.startSpan(`execute_tool ${call.name}`, {
    parent,
    attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': call.name,
      'gen_ai.tool.call.id': call.id,
      'gen_ai.tool.type': 'function',
    },
  });
}

/** Ends a tool span; a failed call gets `error.type` (its result code) and an error status. */
export function endToolSpan(span: TraceSpan, result: ToolResult): void {
  if (!result.ok) {
    span.setAttribute('error.type', result.error.code);
    span.setStatus({ code: SPAN_STATUS_ERROR, message: result.error.message });
  }
  span.end();
}

/** Ends a span with an error: `error.type` is the error's code (or its name) and the status is an error. */
export function failSpan(span: TraceSpan, error: unknown): void {
  const type = VictorError.isInstance(error) ? error.code : error instanceof Error ? error.name : '_OTHER';
  span.setAttribute('error.type', type);
  span.setStatus({
    code: SPAN_STATUS_ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  span.end();
}
