import type { ChatDialect } from '../openai/chat-completions-route.js';
import {
  anthropicErrorBody,
  fromMessagesRequest,
  MessagesEventEncoder,
  toMessagesResponse,
} from './messages-wire.js';

const sse = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Anthropic Messages as a `ChatDialect`: what `POST /v1/messages` speaks. */
export const anthropicMessagesDialect: ChatDialect = {
  idPrefix: 'msg_',
  parse: (body) => ({ ...fromMessagesRequest(body), includeUsage: true }),
  completion: (reply, id, model) => toMessagesResponse(reply, id, model),
  streamEncoder(id, model) {
    const encoder = new MessagesEventEncoder(id, model);
    return {
      encode: (event) => {
        let text = '';
        for (const [name, data] of encoder.encode(event)) text += sse(name, data);
        return text;
      },
      end: () => '',
    };
  },
  streamError: (error) => sse('error', anthropicErrorBody(error)),
};
