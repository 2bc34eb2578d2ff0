import type { LoopbackReply, LoopbackRequest } from '@victor-ai/provider-pool/testing';

const SCRIPT: Array<[RegExp, string]> = [
  [
    /victor|what (is|are) you/i,
    'Victor is a runtime that sits between an agent and its models: it keeps connections warm, caches what can be cached, picks the few tools a request needs and measures every step.',
  ],
  [
    /stream|fast|latency/i,
    'Tokens reach you as the model produces them: each chunk is decoded from the HTTP stream as it arrives, so the time to the first token is the model’s, not the library’s.',
  ],
  [
    /thank|bye/i,
    'You are welcome. Set VICTOR_BASE_URL, VICTOR_API_KEY and VICTOR_MODEL to run this conversation against a real model.',
  ],
];

/** The offline model's answers: a few scripted replies, else an echo. */
export function offlineReply(request: LoopbackRequest): LoopbackReply {
  const messages = (request.body.messages ?? []) as Array<{ role: string; content: unknown }>;
  const last = [...messages].reverse().find((message) => message.role === 'user');
  const text = typeof last?.content === 'string' ? last.content : '';
  for (const [pattern, reply] of SCRIPT) {
    if (pattern.test(text)) return { text: reply, chunkSize: 6 };
  }
  return { text: `You said: ${text}`, chunkSize: 6 };
}
