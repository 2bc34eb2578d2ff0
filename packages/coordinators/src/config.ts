import { isAbsolute } from 'node:path';
import type {
  AnyTool,
  Cache,
  ChatRequest,
  Clock,
  Embedder,
  MetricsSink,
  ModelMiddleware,
  Provider,
  ToolCall,
  ToolMiddleware,
} from '@victor-ai/core';
import { checkToolParameters, InvalidConfigError, TOOL_NAME_PATTERN } from '@victor-ai/core';
import type { ToolRegistry } from '@victor-ai/tool-selection';
import { z } from 'zod/v4';
import type { CompactionResult, ToolResultStore } from './compaction.js';

const hasMethods =
  (...methods: string[]) =>
  (value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function');

const providerSchema = z.custom<Provider>(hasMethods('chat', 'stream', 'close'), {
  message: 'must be a Provider (an object with chat, stream and close)',
});
const cacheSchema = z.custom<Cache<unknown>>(hasMethods('get', 'set', 'delete', 'invalidateTags'), {
  message: 'must be a Cache (an object with get, set, delete and invalidateTags)',
});
const toolSchema = z.custom<AnyTool>(
  (value) =>
    hasMethods('execute')(value) &&
    typeof (value as AnyTool).definition === 'object' &&
    typeof (value as AnyTool).definition?.name === 'string',
  { message: 'must be a Tool (a definition with a name, and execute)' },
);
const toolMiddlewareSchema = z.custom<ToolMiddleware>(
  (value) =>
    typeof value === 'object' && value !== null && typeof (value as ToolMiddleware).name === 'string',
  { message: 'must be a ToolMiddleware (an object with a name)' },
);
const modelMiddlewareSchema = z.custom<ModelMiddleware>(
  (value) =>
    typeof value === 'object' && value !== null && typeof (value as ModelMiddleware).name === 'string',
  { message: 'must be a ModelMiddleware (an object with a name)' },
);
const functionSchema = <T>() =>
  z.custom<T>((value) => typeof value === 'function', { message: 'must be a function' });

/** The agent's configuration, validated by `createAgent`; errors name the field. */
export const agentConfigSchema = z
  .object({
    /** The model provider; or several in `providers`. */
    provider: providerSchema.optional(),
    providers: z.record(z.string(), providerSchema).optional(),
    defaultProvider: z.string().optional(),
    /** Picks a provider (and optionally a model) per request; the current one when it returns undefined. */
    route:
      functionSchema<
        (request: ChatRequest) => { provider: string; model?: string | undefined } | undefined
      >().optional(),
    model: z.string().min(1),
    systemPrompt: z.string().optional(),
    listToolsInPrompt: z.boolean().optional(),
    tools: z.array(toolSchema).optional(),
    /**
     * A tool registry the agent reads live, instead of `tools`: tools added or removed later (an MCP
     * server's `list_changed`) are offered and run from the next turn on.
     */
    registry: z
      .custom<ToolRegistry>(
        (value) =>
          hasMethods('list', 'get', 'subscribe')(value) &&
          typeof (value as ToolRegistry).version === 'number',
        { message: 'must be a ToolRegistry (from @victor-ai/tool-selection)' },
      )
      .optional(),
    middleware: z.array(toolMiddlewareSchema).optional(),
    modelMiddleware: z.array(modelMiddlewareSchema).optional(),
    toolSelection: z
      .object({
        enabled: z.boolean().optional(),
        k: z.number().int().positive().optional(),
        /**
         * Selection runs only when more tools than this are registered, and a selection never offers fewer
         * than this many (or every tool, when fewer are registered): the rest is filled by a prior. Default 12.
         */
        minTools: z.number().int().nonnegative().optional(),
        /**
         * Whether a tool call naming a registered tool that was not offered on that turn runs. False unless
         * set: such a call gets a `TOOL_NOT_OFFERED` error result and does not run.
         */
        allowUnofferedTools: z.boolean().optional(),
        strategy: z.enum(['lexical', 'semantic', 'hybrid']).optional(),
        /** Selections kept by the selector's result cache; 1,000 unless set, 0 turns it off. */
        cacheSize: z.number().int().nonnegative().optional(),
        embedder: z.custom<Embedder>(hasMethods('embed'), { message: 'must be an Embedder' }).optional(),
        /**
         * Sticky selection in a conversation (on unless `false`): the tools offered before stay, in their
         * order, and newly selected ones are appended, so the prompt's prefix (tools first) changes only
         * when a tool must leave. `{ maxTools }` bounds the list (default 20). `false` re-ranks every turn.
         */
        sticky: z
          .union([
            z.boolean(),
            z.object({ maxTools: z.number().int().positive().max(1000).optional() }).strict(),
          ])
          .optional(),
      })
      .strict()
      .optional(),
    responseCache: z
      .object({ cache: cacheSchema, ttlMs: z.number().positive().optional() })
      .strict()
      .optional(),
    toolResultCache: z
      .object({ cache: cacheSchema, ttlMs: z.number().positive().optional() })
      .strict()
      .optional(),
    maxSteps: z.number().int().min(1).max(100).optional(),
    toolConcurrency: z.number().int().positive().optional(),
    toolTimeoutMs: z.number().positive().optional(),
    contextBudgetTokens: z.number().int().positive().optional(),
    /**
     * Context compaction of stored conversations (on unless `false`): near `contextBudgetTokens`, older
     * turns are summarised through the model and large tool results are moved to a store the model can
     * read back with the `recall_tool_result` tool. `false` drops the oldest messages instead.
     */
    compaction: z
      .union([
        z.literal(false),
        z
          .object({
            /** Compact when the context passes this share of the budget; default 0.9. */
            triggerRatio: z.number().gt(0).max(1).optional(),
            /** Turns kept verbatim at the end; default 4. */
            keepLastTurns: z.number().int().positive().optional(),
            /** Tool results above this many tokens become stored references; default 1,000. */
            maxToolResultTokens: z.number().int().positive().optional(),
            /** Where shortened tool results go; default an in-memory store per agent. */
            store: z
              .custom<ToolResultStore>(hasMethods('put', 'get'), { message: 'must be a ToolResultStore' })
              .optional(),
            /**
             * The summarising call: `model` (default the turn's model), `prompt` (default
             * `DEFAULT_SUMMARY_PROMPT`), `maxTokens` (1,024), `timeoutMs` (30,000). `false` drops instead.
             */
            summary: z
              .union([
                z.literal(false),
                z
                  .object({
                    model: z.string().min(1).optional(),
                    prompt: z.string().min(1).optional(),
                    maxTokens: z.number().int().positive().optional(),
                    timeoutMs: z.number().positive().optional(),
                  })
                  .strict(),
              ])
              .optional(),
            /** Called after each compaction with what it removed (to archive it) and what it cost. */
            onCompact:
              functionSchema<(conversationId: string, result: CompactionResult) => void>().optional(),
          })
          .strict(),
      ])
      .optional(),
    /**
     * How tokens are counted for the budget: `auto` (default) uses the o200k/cl100k tokenizer for OpenAI
     * model families (loaded on first use) and the estimate elsewhere; `estimate` always uses characters / 4.
     */
    tokenCounting: z.enum(['auto', 'estimate']).optional(),
    /** Absolute, by this platform's rules (`/srv/project`; `C:\project` on Windows). */
    workspaceRoot: z
      .string()
      .refine((root) => isAbsolute(root), { message: 'must be an absolute path' })
      .optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    dependsOn: functionSchema<(later: ToolCall, earlier: ToolCall) => boolean>().optional(),
    metrics: z
      .custom<MetricsSink>(hasMethods('increment', 'gauge', 'observe'), { message: 'must be a MetricsSink' })
      .optional(),
    clock: z.custom<Clock>(hasMethods('now'), { message: 'must be a Clock' }).optional(),
    closeProviders: z.boolean().optional(),
  })
  .strict()
  .refine(
    (config) =>
      config.provider !== undefined || (config.providers && Object.keys(config.providers).length > 0),
    {
      message: 'give a provider or at least one entry in providers',
      path: ['provider'],
    },
  )
  .refine((config) => config.provider === undefined || config.providers === undefined, {
    message: 'give either provider or providers, not both',
    path: ['providers'],
  })
  .refine((config) => config.tools === undefined || config.registry === undefined, {
    message: 'give either tools or registry, not both (add the tools to the registry)',
    path: ['registry'],
  })
  .refine(
    (config) =>
      (config.toolSelection?.strategy ?? 'lexical') === 'lexical' ||
      config.toolSelection?.embedder !== undefined,
    { message: 'semantic and hybrid selection need an embedder', path: ['toolSelection', 'embedder'] },
  );

/** Configuration of `createAgent`. */
export type AgentConfig = z.input<typeof agentConfigSchema>;

/** Validates an agent configuration; throws `InvalidConfigError` naming the first bad field. */
export function parseAgentConfig(config: unknown): z.output<typeof agentConfigSchema> {
  const result = agentConfigSchema.safeParse(config);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
    .join('');
  const option = `config${path}`;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys')
    message = `unknown option ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
  throw new InvalidConfigError({ option, message: `${option}: ${message}` });
}

/**
 * Checks the tools of a configuration: names providers accept (`[a-zA-Z0-9_.-]{1,64}`), no name twice,
 * parameters a JSON Schema can be had from. Throws `InvalidConfigError` naming the tool and the field.
 */
export function checkAgentTools(tools: readonly AnyTool[]): void {
  const seen = new Map<string, number>();
  for (let index = 0; index < tools.length; index++) {
    const { definition } = tools[index]!;
    const option = `config.tools[${index}].definition`;
    if (!TOOL_NAME_PATTERN.test(definition.name)) {
      throw new InvalidConfigError({
        option: `${option}.name`,
        message: `${option}.name: must match [a-zA-Z0-9_.-]{1,64}, got ${JSON.stringify(definition.name)}`,
      });
    }
    const first = seen.get(definition.name);
    if (first !== undefined) {
      throw new InvalidConfigError({
        option: `${option}.name`,
        message: `${option}.name: ${JSON.stringify(definition.name)} is already the name of config.tools[${first}]`,
      });
    }
    seen.set(definition.name, index);
    checkToolParameters(definition.name, definition.parameters, `${option}.parameters`);
  }
}
