import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamEvent } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { createOpenAICompatibleProvider } from './openai-compatible/provider.js';

describe('HttpProvider.stream delivery', () => {
  it('hands over the last events before the server closes the body', async () => {
    let open: ServerResponse | undefined;
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;
        response.write(
          chunk({
            id: 'x',
            model: 'm',
            choices: [{ index: 0, delta: { content: 'hello' }, finish_reason: null }],
          }) +
            chunk({ id: 'x', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
            'data: [DONE]\n\n',
        );
        // The body stays open until the test has seen the answer's end.
        open = response;
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const provider = createOpenAICompatibleProvider({ baseURL: `http://127.0.0.1:${port}/v1` });
    try {
      const events: StreamEvent[] = [];
      for await (const event of provider.stream({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
      })) {
        events.push(event);
        // Had the provider waited for the end of the body, this would never run and the test would time out.
        if (event.type === 'finish') open?.end();
      }
      expect(events.map((event) => event.type)).toEqual(['response-start', 'text-delta', 'finish']);
    } finally {
      await provider.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
