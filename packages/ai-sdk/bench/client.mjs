// One compared client in its own process (libraries in one process disturb each other). Takes the client's
// name and the server's base URL as arguments; reads JSON commands on stdin, answers one JSON line each:
//   {"cmd":"warmup","calls":N,"ms":T}       runs at least N calls and T ms
//   {"cmd":"latency","calls":N}             N sequential calls: their latencies in us
//   {"cmd":"throughput","ms":T,"concurrency":C}  C loops for T ms: calls done, CPU us used
// Every answer is checked; a wrong one ends the process with an error.
import { createInterface } from 'node:readline';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createAgent } from '@victor-ai/coordinators';
import { createOpenAICompatibleProvider } from '@victor-ai/provider-pool';
import { generateText } from 'ai';
import { createVictorLanguageModel, fromAISDKModel } from '../dist/index.js';

const [name, baseURL] = process.argv.slice(2);
const expected = 'You said: ping';
const messages = [{ role: 'user', content: 'ping' }];

function aiSdkModel() {
  return createOpenAICompatible({ name: 'loopback', baseURL }).chatModel('loopback-1');
}

function build() {
  switch (name) {
    case 'aiSdk': {
      const model = aiSdkModel();
      return async () => (await generateText({ model, prompt: 'ping', maxRetries: 0 })).text;
    }
    case 'victor': {
      const model = createVictorLanguageModel({
        provider: createOpenAICompatibleProvider({ baseURL }),
        model: 'loopback-1',
      });
      return async () => (await generateText({ model, prompt: 'ping', maxRetries: 0 })).text;
    }
    case 'agentOverAiSdk': {
      const agent = createAgent({ provider: fromAISDKModel(aiSdkModel()), model: 'loopback-1' });
      return async () => (await agent.chat(messages)).text;
    }
    case 'agentOverVictor': {
      const agent = createAgent({
        provider: createOpenAICompatibleProvider({ baseURL }),
        model: 'loopback-1',
      });
      return async () => (await agent.chat(messages)).text;
    }
    default:
      throw new Error(`unknown client ${JSON.stringify(name)}`);
  }
}

const call = build();
async function checked() {
  const text = await call();
  if (text !== expected) throw new Error(`${name}: wrong answer ${JSON.stringify(text)}`);
}

let calls = 0;
async function run(command) {
  switch (command.cmd) {
    case 'warmup': {
      const started = performance.now();
      let done = 0;
      while (done < command.calls || performance.now() - started < command.ms) {
        await checked();
        done++;
      }
      calls += done;
      return { done };
    }
    case 'latency': {
      const samples = new Array(command.calls);
      for (let i = 0; i < command.calls; i++) {
        const started = process.hrtime.bigint();
        await checked();
        samples[i] = Number(process.hrtime.bigint() - started) / 1_000;
      }
      calls += command.calls;
      return { samples };
    }
    case 'throughput': {
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const deadline = started + command.ms;
      let done = 0;
      const loop = async () => {
        while (performance.now() < deadline) {
          await checked();
          done++;
        }
      };
      await Promise.all(Array.from({ length: command.concurrency }, loop));
      const elapsedMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      calls += done;
      return { done, elapsedMs, cpuUs: cpu.user + cpu.system };
    }
    case 'calls':
      return { calls };
    default:
      throw new Error(`unknown command ${JSON.stringify(command)}`);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  try {
    process.stdout.write(`${JSON.stringify(await run(JSON.parse(line)))}\n`);
  } catch (error) {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  }
});
lines.on('close', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: name })}\n`);
