import { describe, expect, it } from 'vitest';
import { ToolRegistry } from './tool-registry.js';
import { toolEmbeddingText, toolText } from './tool-text.js';

describe('toolText', () => {
  it('collects nested parameter names, descriptions and enum values', () => {
    const [tool] = new ToolRegistry([
      {
        name: 'createEvent.v2',
        description: 'Create a calendar event.',
        parameters: {
          type: 'object',
          properties: {
            startTime: { type: 'string', description: 'When it starts' },
            attendees: {
              type: 'array',
              items: {
                type: 'object',
                properties: { email_address: { type: 'string', enum: ['optional'] } },
              },
            },
          },
        },
        category: 'calendar',
        tags: ['events'],
      },
    ]).list();
    const text = toolText(tool!);
    expect(text.name).toBe('create Event v2');
    expect(text.parameterNames).toBe('startTime attendees email_address');
    expect(text.parameterDescriptions).toBe('When it starts optional');
    expect(text.labels).toBe('calendar events');
    expect(toolEmbeddingText(text)).toBe(
      'create Event v2: Create a calendar event. (parameters: startTime attendees email_address) [calendar events]',
    );
  });
});
