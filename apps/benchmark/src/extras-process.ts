// Child process for the scenarios that are not raw-vs-stack: argv[2] names the scenario, argv[3] is the
// loopback base URL. The result goes back over IPC. Memory runs here so that it is measured in a fresh process.
import { aiSdkComparison } from './ai-sdk.js';
import {
  agentMemory,
  batching,
  cacheTrace,
  executorScenario,
  parallelTools,
  toolSelectionLatency,
} from './extras.js';
import { gatewayScenario } from './gateway-scenario.js';
import { mcpScenario } from './mcp.js';
import { promptCacheScenario } from './prompt-cache.js';
import { toolSelectionOnSeal } from './tool-selection-seal.js';

const [scenario, baseURL = '', quick = 'false'] = process.argv.slice(2);

async function requestCount(): Promise<number> {
  process.send?.({ type: 'need-stats' });
  return new Promise((resolve) => {
    const onMessage = (message: { type: string; requestCount?: number }) => {
      if (message.type === 'stats') {
        process.off('message', onMessage);
        resolve(message.requestCount!);
      }
    };
    process.on('message', onMessage);
  });
}

async function run(): Promise<unknown> {
  switch (scenario) {
    case 'memory':
      return agentMemory(baseURL);
    case 'tool-selection': {
      const result: Record<string, unknown> = {};
      for (const count of [55, 1000, 4000])
        result[String(count)] = toolSelectionLatency(count, quick === 'true');
      // The real Seal-Tools pool beside the synthetic ones (skipped, with the reason, without the data).
      result.seal = toolSelectionOnSeal(quick === 'true');
      return result;
    }
    case 'cache':
      return cacheTrace();
    case 'parallel-tools':
      return parallelTools();
    case 'batching':
      return batching(baseURL, requestCount);
    case 'executor':
      return executorScenario(baseURL.replace(/\/v1$/, ''), quick === 'true');
    case 'mcp':
      return mcpScenario(quick === 'true');
    case 'prompt-cache':
      return promptCacheScenario();
    case 'gateway':
      return gatewayScenario(quick === 'true');
    case 'ai-sdk':
      return aiSdkComparison(baseURL, quick === 'true', requestCount);
    default:
      throw new Error(`unknown scenario ${JSON.stringify(scenario)}`);
  }
}

run().then(
  (result) => {
    process.send?.({ type: 'extra-result', result }, () => process.exit(0));
  },
  (error: unknown) => {
    process.send?.({ type: 'fatal', message: error instanceof Error ? error.stack : String(error) }, () =>
      process.exit(1),
    );
  },
);
