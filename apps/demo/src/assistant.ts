import { MemoryCache } from '@victor-ai/cache';
import { type Agent, createAgent } from '@victor-ai/coordinators';
import type { Provider, Tool, ToolMiddleware } from '@victor-ai/core';
import type { PerformanceMonitor } from '@victor-ai/metrics';
import {
  type AuditEntry,
  createAuditMiddleware,
  createRedactionMiddleware,
  createSafetyMiddleware,
  createValidationMiddleware,
} from '@victor-ai/middleware';
import { type CallTimes, callTimer, modelCallTiming, requestObserver } from './instrumentation.js';
import { createWorkspaceTools, type WorkspaceToolsOptions } from './tools.js';
import { Workspace } from './workspace.js';

/** Options of `createAssistant`. */
export interface AssistantOptions {
  /** The workspace folder the tools work in. */
  workspaceRoot: string;
  provider: Provider;
  model: string;
  monitor: PerformanceMonitor;
  /** How many tools selection offers per request; default 5 (of 6). */
  selectTools?: number;
  /** Deadline of every tool call in the middleware chain; default 30,000 ms. */
  toolTimeoutMs?: number;
  tools?: WorkspaceToolsOptions;
  /** Receives each audit entry (secrets redacted) as well as `audit`. */
  onAudit?: (entry: AuditEntry) => void;
  /** More tools (MCP servers' tools from `--mcp`), after the workspace tools. */
  extraTools?: readonly Tool[];
  /** Middleware those tools need (the MCP destructive-tool guard), after the demo's own. */
  extraMiddleware?: readonly ToolMiddleware[];
}

/** A coding assistant: the agent and what the terminal needs to show what it did. */
export interface Assistant {
  agent: Agent;
  workspace: Workspace;
  /** Tool names in registration order. */
  toolNames: readonly string[];
  /** When each tool call entered and left the middleware chain, by call id. */
  callTimes: CallTimes;
  /** The audit log of every tool call, blocked ones included. */
  audit: AuditEntry[];
  /** Names of the tools offered to the model in its latest request (after selection). */
  lastOfferedTools(): readonly string[];
  /** True when a tool call's output was produced by running the tool (not served by the cache). */
  ranFresh(output: unknown): boolean;
  close(): Promise<void>;
}

function systemPrompt(root: string): string {
  return [
    `You are a coding assistant working in the project folder ${root}.`,
    'Use the tools to look at the files before you answer; paths are relative to that folder.',
    'Call independent tools in the same step so that they run in parallel.',
    'Answer briefly, in plain text.',
  ].join(' ');
}

/**
 * Builds the demo's agent over a workspace: the workspace tools; safety (confined to the workspace,
 * shell commands checked), validation and audit middleware; tool selection; the read-only tool-result
 * cache in memory; model-call timing as model middleware; every figure into `monitor`.
 */
export function createAssistant(options: AssistantOptions): Assistant {
  const workspace = new Workspace(options.workspaceRoot);
  const { tools: workspaceTools, ranFresh } = createWorkspaceTools(workspace, options.tools);
  const tools = [...workspaceTools, ...(options.extraTools ?? [])];
  const callTimes: CallTimes = new Map();
  const audit: AuditEntry[] = [];
  let offered: readonly string[] = [];
  const toolResults = new MemoryCache<unknown>({
    name: 'tool-results',
    maxEntries: 1_000,
    metrics: options.monitor,
  });
  const agent = createAgent({
    provider: options.provider,
    model: options.model,
    systemPrompt: systemPrompt(workspace.root),
    tools,
    middleware: [
      callTimer(callTimes),
      createAuditMiddleware({
        log: (entry) => {
          audit.push(entry);
          options.onAudit?.(entry);
        },
      }),
      createSafetyMiddleware({ workspaceRoot: workspace.root }),
      createValidationMiddleware(),
      // Secrets a tool reads (a key in a config file) are removed before the result reaches the model.
      createRedactionMiddleware(),
      ...(options.extraMiddleware ?? []),
    ],
    modelMiddleware: [
      requestObserver((request) => {
        offered = request.tools?.map((tool) => tool.name) ?? [];
      }),
      modelCallTiming(options.monitor),
    ],
    toolSelection: { minTools: 4, k: options.selectTools ?? 5 },
    toolResultCache: { cache: toolResults, ttlMs: 5 * 60_000 },
    workspaceRoot: workspace.root,
    toolTimeoutMs: options.toolTimeoutMs ?? 30_000,
    maxSteps: 6,
    temperature: 0,
    metrics: options.monitor,
  });
  return {
    agent,
    workspace,
    toolNames: tools.map((tool) => tool.definition.name),
    callTimes,
    audit,
    lastOfferedTools: () => offered,
    ranFresh,
    async close() {
      await agent.close();
      await toolResults.close();
    },
  };
}
