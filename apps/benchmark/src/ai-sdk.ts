import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createVictorLanguageModel, fromAISDKModel } from '@victor-ai/ai-sdk';
import { createAgent } from '@victor-ai/coordinators';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { generateText } from 'ai';
import { REPLY_TEXT } from './reply.js';
import { median, percentile, round, sorted } from './stats.js';

const CLIENTS = ['aiSdk', 'victor', 'agentOverAiSdk', 'agentOverVictor'] as const;
type ClientName = (typeof CLIENTS)[number];

/**
 * The `aiSdk` scenario: `generateText` through `@ai-sdk/openai-compatible` against `generateText` through
 * `createVictorLanguageModel` over Victor's OpenAI-compatible provider, and a `createAgent` turn over
 * `fromAISDKModel` against one over Victor's own provider, on the same loopback server. The four clients
 * run in this one process, interleaved call by call for latency and in turn for throughput at
 * concurrency 64 (the package's own bench, `pnpm --filter @victor-ai/ai-sdk bench`, runs each in its own
 * process). Every answer is checked and the server's request count must equal the calls made. The
 * benchmark runs it in full mode only (`quick` here is for trying it out).
 */
export async function aiSdkComparison(baseURL: string, quick: boolean, requestCount: () => Promise<number>) {
  const aiSdkModel = () => createOpenAICompatible({ name: 'loopback', baseURL }).chatModel('loopback-1');
  const victorProvider = createOpenAICompatibleProvider({ baseURL });
  const victorModel = createVictorLanguageModel({ provider: victorProvider, model: 'loopback-1' });
  const agentOverAiSdk = createAgent({ provider: fromAISDKModel(aiSdkModel()), model: 'loopback-1' });
  const agentOverVictor = createAgent({
    provider: createOpenAICompatibleProvider({ baseURL }),
    model: 'loopback-1',
  });
  const aiSdkProviderModel = aiSdkModel();
  const messages = [{ role: 'user' as const, content: 'ping' }];
  const calls: Record<ClientName, () => Promise<string>> = {
    aiSdk: async () =>
      (await generateText({ model: aiSdkProviderModel, prompt: 'ping', maxRetries: 0 })).text,
    victor: async () => (await generateText({ model: victorModel, prompt: 'ping', maxRetries: 0 })).text,
    agentOverAiSdk: async () => (await agentOverAiSdk.chat(messages)).text,
    agentOverVictor: async () => (await agentOverVictor.chat(messages)).text,
  };
  let made = 0;
  const call = async (name: ClientName) => {
    made++;
    const text = await calls[name]();
    if (text !== REPLY_TEXT) throw new Error(`${name}: wrong answer ${JSON.stringify(text)}`);
  };
  const before = await requestCount();
  try {
    const warmupCalls = quick ? 600 : 3000;
    const warmupMinMs = quick ? 0 : 4000;
    for (const name of CLIENTS) {
      const started = performance.now();
      for (let done = 0; done < warmupCalls || performance.now() - started < warmupMinMs; done++)
        await call(name);
    }
    const passes = quick ? 1 : 2;
    const latencyCalls = quick ? 200 : 2000;
    const throughputCalls = quick ? 640 : 4000;
    const p50: Record<ClientName, number[]> = {
      aiSdk: [],
      victor: [],
      agentOverAiSdk: [],
      agentOverVictor: [],
    };
    const rps: Record<ClientName, number[]> = {
      aiSdk: [],
      victor: [],
      agentOverAiSdk: [],
      agentOverVictor: [],
    };
    for (let pass = 0; pass < passes; pass++) {
      const samples: Record<ClientName, number[]> = {
        aiSdk: [],
        victor: [],
        agentOverAiSdk: [],
        agentOverVictor: [],
      };
      for (let i = 0; i < latencyCalls; i++) {
        for (const name of CLIENTS) {
          const started = process.hrtime.bigint();
          await call(name);
          samples[name].push(Number(process.hrtime.bigint() - started) / 1_000);
        }
      }
      for (const name of CLIENTS) p50[name].push(percentile(sorted(samples[name]), 50));
      const order = pass % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
      for (const name of order) {
        let remaining = throughputCalls;
        const started = performance.now();
        const loop = async () => {
          while (remaining > 0) {
            remaining--;
            await call(name);
          }
        };
        await Promise.all(Array.from({ length: 64 }, loop));
        rps[name].push((throughputCalls / (performance.now() - started)) * 1_000);
      }
    }
    const served = (await requestCount()) - before;
    if (served !== made) throw new Error(`the server counted ${served} requests for ${made} calls`);
    const m = (values: number[]) => round(median(values));
    const result = {
      aiSdkP50Us: m(p50.aiSdk),
      victorP50Us: m(p50.victor),
      aiSdkRps: m(rps.aiSdk),
      victorRps: m(rps.victor),
      p50Speedup: 0,
      throughputRatio: 0,
      agentOverAiSdkP50Us: m(p50.agentOverAiSdk),
      agentOverVictorP50Us: m(p50.agentOverVictor),
      agentOverAiSdkRps: m(rps.agentOverAiSdk),
      agentOverVictorRps: m(rps.agentOverVictor),
    };
    result.p50Speedup = Math.round((result.aiSdkP50Us / result.victorP50Us) * 100) / 100;
    result.throughputRatio = Math.round((result.victorRps / result.aiSdkRps) * 100) / 100;
    return result;
  } finally {
    await Promise.all([agentOverAiSdk.close(), agentOverVictor.close(), victorProvider.close()]);
  }
}
