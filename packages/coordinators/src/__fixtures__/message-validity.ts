import type { Message } from '@victor-ai/core';
import { buildChatBody, buildMessagesBody, buildResponsesBody } from '@victor-ai/provider-pool';

/**
 * What the Chat Completions, Responses and Anthropic Messages APIs all require of a message list (the system
 * prompt aside): returns the first problem, or `undefined` for a valid list. Each API's body builder must
 * accept it too.
 */
export function problem(messages: readonly Message[]): string | undefined {
  let i = 0;
  while (i < messages.length && messages[i]!.role === 'system') i++;
  if (messages.slice(i).some((m) => m.role === 'system')) return 'system message after the start';
  if (i < messages.length && messages[i]!.role !== 'user') return `starts with ${messages[i]!.role}`;
  for (; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role === 'assistant' && message.toolCalls?.length) {
      const ids = new Set(message.toolCalls.map((call) => call.id));
      let j = i + 1;
      while (j < messages.length && messages[j]!.role === 'tool') {
        const result = messages[j] as { toolCallId: string };
        if (!ids.delete(result.toolCallId)) return `result ${result.toolCallId} without its call`;
        j++;
      }
      if (ids.size > 0) return `call ${[...ids][0]} without its result`;
      i = j - 1;
    } else if (message.role === 'tool') return `result ${message.toolCallId} without its call`;
  }
  const anthropic = JSON.parse(buildMessagesBody({ model: 'm', messages }, false, 1024)).messages as Array<{
    role: string;
  }>;
  if (anthropic[0]?.role !== 'user') return 'the Messages request does not start with a user message';
  for (let k = 1; k < anthropic.length; k++) {
    if (anthropic[k]!.role === anthropic[k - 1]!.role) return `two ${anthropic[k]!.role} messages in a row`;
  }
  JSON.parse(buildChatBody({ model: 'm', messages }, false, false));
  JSON.parse(buildResponsesBody({ model: 'm', messages }, false));
  return undefined;
}
