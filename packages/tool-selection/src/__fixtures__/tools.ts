import type { ToolDefinition } from '@victor-ai/core';

/** A small, varied tool set for ranking tests. */
export const fixtureTools: ToolDefinition[] = [
  {
    name: 'get_weather',
    description: 'Get the current weather conditions for a city.',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name' },
        unit: { enum: ['celsius', 'fahrenheit'] },
      },
    },
    category: 'web',
    tags: ['weather'],
    readOnly: true,
  },
  {
    name: 'readFile',
    description: 'Read the contents of a file from disk.',
    parameters: { type: 'object', properties: { path: { type: 'string', description: 'Path of the file' } } },
    category: 'filesystem',
    tags: ['files'],
    readOnly: true,
  },
  {
    name: 'write_file',
    description: 'Write text to a file, replacing it.',
    parameters: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } } },
    category: 'filesystem',
    tags: ['files'],
  },
  {
    name: 'shell.exec',
    description: 'Run a shell command and return its output.',
    parameters: { type: 'object', properties: { command: { type: 'string' } } },
    category: 'shell',
  },
  {
    name: 'send_email',
    description: 'Send an email message to a recipient.',
    parameters: {
      type: 'object',
      properties: { to: { type: 'string', description: 'Recipient address' }, subject: { type: 'string' } },
    },
    category: 'communication',
  },
  {
    name: 'calculate_triangle_area',
    description: 'Calculate the area of a triangle from its base and height.',
    parameters: { type: 'object', properties: { base: { type: 'number' }, height: { type: 'number' } } },
    category: 'math',
    readOnly: true,
  },
  {
    name: 'ask_user',
    description: 'Ask the user a clarifying question.',
    parameters: { type: 'object', properties: { question: { type: 'string' } } },
    alwaysInclude: true,
  },
];
