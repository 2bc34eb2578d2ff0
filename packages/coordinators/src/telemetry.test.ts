import * as otel from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { MemoryCache } from '@victor-ai/cache';
import type { Tool, ToolMiddleware } from '@victor-ai/core';
import { MetricNames, standardMetricDefinitions } from '@victor-ai/core';
import { createPerformanceMonitor, type OpenTelemetryApiLike } from '@victor-ai/metrics';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import {
  createLoopbackServer,
  type LoopbackRequest,
  type LoopbackServer,
} from '@victor-ai/provider-pool/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createAgent } from './agent.js';
import type { AgentConfig } from './config.js';

let server: LoopbackServer;
const agents: Agent[] = [];

// The model asks for read_file and write_file on the first step, and answers after their results.
function reply(request: LoopbackRequest) {
  const messages = request.body.messages as Array<{ role: string }>;
  if (messages.at(-1)?.role === 'tool') return { text: 'done', usage: { inputTokens: 30, outputTokens: 2 } };
  return {
    toolCalls: [
      { id: 'call_read', name: 'read_file', arguments: { path: 'notes.md' } },
      { id: 'call_write', name: 'write_file', arguments: { path: 'notes.md' } },
    ],
    usage: { inputTokens: 20, outputTokens: 5 },
  };
}

beforeAll(async () => {
  server = await createLoopbackServer({ reply });
});
afterAll(async () => {
  for (const agent of agents) await agent.close();
  await server.close();
});

// 14 tools: more than toolSelection.minTools (12), so a turn runs the selector.
function tools(): Tool[] {
  const made: Tool[] = [
    {
      definition: {
        name: 'read_file',
        description: 'read a file of the workspace',
        parameters: { type: 'object', properties: { path: { type: 'string' } } },
        readOnly: true,
      },
      execute: () => 'file text',
    },
    {
      definition: {
        name: 'write_file',
        description: 'write a file of the workspace',
        parameters: { type: 'object', properties: { path: { type: 'string' } } },
      },
      execute: () => 'written',
    },
  ];
  for (let index = 0; index < 12; index++) {
    made.push({
      definition: { name: `other_${index}`, description: `unrelated helper ${index}`, parameters: {} },
      execute: () => 'x',
    });
  }
  return made;
}

const refuseWrites: ToolMiddleware = {
  name: 'no-writes',
  appliesTo: { names: ['write_file'] },
  before: () => ({ type: 'block', code: 'WRITE_REFUSED', reason: 'writes are off in this test' }),
};

function agentWith(config: Partial<AgentConfig>): Agent {
  const agent = createAgent({
    provider: createOpenAICompatibleProvider({ baseURL: server.baseURL }),
    model: 'loopback-1',
    tools: tools(),
    middleware: [refuseWrites],
    ...config,
  });
  agents.push(agent);
  return agent;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text: the TYPE line of each family, and each sample with its labels. */
function parsePrometheus(text: string): { types: Map<string, string[]>; samples: Sample[] } {
  const types = new Map<string, string[]>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP')) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, [...(types.get(type[1]!) ?? []), type[2]!]);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!;
    }
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

function familyOf(sample: string, types: Map<string, string[]>): string {
  if (types.has(sample)) return sample;
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  if (types.has(base)) return base;
  throw new Error(`sample ${sample} has no TYPE line`);
}

describe('agent telemetry', () => {
  describe('metrics', () => {
    it('reports each family once, with the labels core documents, for one turn', async () => {
      const monitor = createPerformanceMonitor();
      const agent = agentWith({
        metrics: monitor,
        toolResultCache: { cache: new MemoryCache<unknown>({ name: 'tool-results', metrics: monitor }) },
        responseCache: { cache: new MemoryCache<unknown>({ name: 'response', metrics: monitor }) },
        temperature: 0,
      });
      const result = await agent.chat('read the file notes.md of the workspace');
      expect(result.text).toBe('done');
      expect(result.selectedTools.length).toBeGreaterThan(0);

      const { types, samples } = parsePrometheus(monitor.toPrometheus());
      const documented = new Map(
        standardMetricDefinitions.map((definition) => [definition.name, definition]),
      );
      for (const [family, declared] of types)
        expect({ family, declared: declared.length }).toEqual({ family, declared: 1 });
      for (const sample of samples) {
        const family = familyOf(sample.name, types);
        const definition = documented.get(family);
        expect(definition, `${family} is a standard metric`).toBeDefined();
        const labelNames = Object.keys(sample.labels)
          .filter((name) => name !== 'le')
          .sort();
        expect({ family, labelNames }).toEqual({ family, labelNames: [...definition!.labelNames].sort() });
      }
      const present = new Set(samples.map((sample) => familyOf(sample.name, types)));
      for (const family of [
        MetricNames.chatDuration,
        MetricNames.chatRequests,
        MetricNames.chatStageDuration,
        MetricNames.providerDuration,
        MetricNames.runtimeOverhead,
        MetricNames.toolDuration,
        MetricNames.toolCalls,
        MetricNames.middlewareBlocks,
        MetricNames.cacheMisses,
        MetricNames.toolSelectionDuration,
        MetricNames.toolSelectionCache,
        MetricNames.executorRun,
      ]) {
        expect(present, family).toContain(family);
      }
      const count = (name: string, labels: Record<string, string> = {}) =>
        samples
          .filter(
            (sample) =>
              sample.name === name &&
              Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
          )
          .reduce((sum, sample) => sum + sample.value, 0);
      // One turn: one selection, one chat duration, labelled with the provider and model it went to.
      expect(count(`${MetricNames.toolSelectionDuration}_count`)).toBe(1);
      expect(count(`${MetricNames.chatDuration}_count`, { provider: 'default', model: 'loopback-1' })).toBe(
        1,
      );
      expect(count(MetricNames.chatRequests, { outcome: 'ok' })).toBe(1);
      expect(count(MetricNames.toolCalls, { tool: 'read_file', outcome: 'ok' })).toBe(1);
      expect(count(MetricNames.toolCalls, { tool: 'write_file', outcome: 'blocked' })).toBe(1);
      expect(count(`${MetricNames.toolDuration}_count`, { tool: 'write_file', outcome: 'blocked' })).toBe(1);
      expect(count(MetricNames.middlewareBlocks, { middleware: 'no-writes', reason: 'WRITE_REFUSED' })).toBe(
        1,
      );
      // The response cache counts its own lookup; the agent does not count it a second time.
      expect(count(MetricNames.cacheMisses, { cache: 'response' })).toBe(1);
    });
  });

  describe('OpenTelemetry', () => {
    function tracing() {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      // The API module with this test's provider instead of the global one.
      const api: OpenTelemetryApiLike = {
        trace: {
          getTracer: (name: string, version?: string) => provider.getTracer(name, version),
          setSpan: otel.trace.setSpan as OpenTelemetryApiLike['trace']['setSpan'],
        },
        context: otel.context,
      };
      return { exporter, monitor: createPerformanceMonitor({ tracing: { api } }) };
    }
    const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;

    it('opens GenAI spans for the turn, each model call and each tool call, linked parent to child', async () => {
      const { exporter, monitor } = tracing();
      const agent = agentWith({ metrics: monitor });
      await agent.chat('read the file notes.md', { conversationId: 'c1' });

      const spans = exporter.getFinishedSpans();
      const turn = spans.filter((span) => span.name === 'invoke_agent');
      expect(turn).toHaveLength(1);
      const root = turn[0]!;
      expect(root.attributes).toMatchObject({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.conversation.id': 'c1',
        'gen_ai.provider.name': 'default',
        'gen_ai.request.model': 'loopback-1',
        'gen_ai.usage.input_tokens': 50,
        'gen_ai.usage.output_tokens': 7,
      });

      const models = spans.filter((span) => span.name === 'chat loopback-1');
      expect(models).toHaveLength(2);
      for (const span of models) {
        expect(span.kind).toBe(otel.SpanKind.CLIENT);
        expect(parentId(span)).toBe(root.spanContext().spanId);
        expect(span.spanContext().traceId).toBe(root.spanContext().traceId);
        expect(span.attributes).toMatchObject({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'default',
          'gen_ai.request.model': 'loopback-1',
        });
      }
      expect(models.map((span) => span.attributes['gen_ai.response.finish_reasons'])).toEqual([
        ['tool-calls'],
        ['stop'],
      ]);

      const toolSpans = spans.filter((span) => span.name.startsWith('execute_tool '));
      expect(toolSpans.map((span) => span.name).sort()).toEqual([
        'execute_tool read_file',
        'execute_tool write_file',
      ]);
      for (const span of toolSpans) {
        expect(parentId(span)).toBe(root.spanContext().spanId);
        expect(span.attributes['gen_ai.operation.name']).toBe('execute_tool');
        expect(span.attributes['gen_ai.tool.type']).toBe('function');
      }
      const write = toolSpans.find((span) => span.name === 'execute_tool write_file')!;
      expect(write.attributes).toMatchObject({
        'gen_ai.tool.call.id': 'call_write',
        'error.type': 'WRITE_REFUSED',
      });
      expect(write.status.code).toBe(otel.SpanStatusCode.ERROR);
    });

    it('traces a streamed turn the same way', async () => {
      const { exporter, monitor } = tracing();
      const agent = agentWith({ metrics: monitor });
      for await (const _event of agent.stream('read the file notes.md')) {
        // drain
      }
      const spans = exporter.getFinishedSpans();
      const root = spans.find((span) => span.name === 'invoke_agent')!;
      const children = spans.filter((span) => parentId(span) === root.spanContext().spanId);
      expect(children.map((span) => span.name).sort()).toEqual([
        'chat loopback-1',
        'chat loopback-1',
        'execute_tool read_file',
        'execute_tool write_file',
      ]);
    });

    it('ends the turn span with an error when the model call fails', async () => {
      const { exporter, monitor } = tracing();
      const agent = createAgent({
        provider: createOpenAICompatibleProvider({ baseURL: 'http://127.0.0.1:9' }),
        model: 'loopback-1',
        metrics: monitor,
      });
      agents.push(agent);
      await expect(agent.chat('hello')).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
      const spans = exporter.getFinishedSpans();
      expect(spans.map((span) => [span.name, span.attributes['error.type'], span.status.code])).toEqual([
        ['chat loopback-1', 'CONNECTION_FAILED', otel.SpanStatusCode.ERROR],
        ['invoke_agent', 'CONNECTION_FAILED', otel.SpanStatusCode.ERROR],
      ]);
    });

    it('opens no span and needs no OpenTelemetry when the monitor does not trace', () => {
      expect(createPerformanceMonitor().tracer).toBeUndefined();
    });
  });
});
