// A stdio MCP server built with the SDK for the tests: echo, a call that hangs, a call that kills the
// process, progress, an image, a tool error, pagination (PAGE_SIZE) and list_changed (add_tool).
// Usage: node test-server.mjs [--tools N] [--page-size N] [--prefix NAME]
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const flag = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : process.argv[index + 1];
};
const extraTools = Number(flag('tools', '0'));
const pageSize = Number(flag('page-size', '1000'));
const prefix = flag('prefix', 'gen');
const startedAt = Date.now();

const object = (properties = {}, required = []) => ({ type: 'object', properties, required });
/** A read-only tool's definition. */
const readOnly = (name, description, inputSchema = object()) => ({
  name,
  description,
  inputSchema,
  annotations: { readOnlyHint: true },
});
const tools = [
  readOnly('echo', 'Echo the text back.', object({ text: { type: 'string' } }, ['text'])),
  readOnly('hang', 'Never answers.'),
  readOnly('crash', 'Exits the server process in the middle of the call.'),
  readOnly('progress', 'Reports progress three times, then answers.'),
  readOnly('image', 'Returns a small PNG.'),
  readOnly('fail', 'Answers with isError.'),
  readOnly('pid', 'The server process id and start time.'),
  {
    name: 'add_tool',
    description: 'Adds a tool and sends list_changed.',
    inputSchema: object({ name: { type: 'string' } }, ['name']),
    annotations: { destructiveHint: false },
  },
  {
    name: 'delete_everything',
    description: 'A destructive tool.',
    inputSchema: object(),
    annotations: { destructiveHint: true },
  },
  readOnly('modern.schema', 'A tool whose schema is JSON Schema draft 2020-12.', {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { n: { type: 'integer' } },
    $defs: { unused: { type: 'string' } },
  }),
];
// Generated tools: each one a unique pair of words (25 x 50), and the server's prefix word.
const FIRST =
  'amber azure bronze cobalt coral crimson ebony emerald golden indigo ivory jade lemon lilac maroon navy olive orchid pearl ruby saffron silver teal violet walnut'.split(
    ' ',
  );
const SECOND =
  'anchor badge basket beacon bridge button candle canyon castle compass cradle crystal engine feather fountain garden glacier hammer harbor helmet island jacket kettle ladder lantern magnet meadow mirror needle orbit paddle pencil pillow planet pocket pyramid rocket saddle shelter socket spiral statue tablet temple thunder tunnel valley wagon window zipper'.split(
    ' ',
  );
for (let index = 0; index < extraTools; index++) {
  const words = `${FIRST[index % 25]} ${SECOND[Math.floor(index / 25) % 50]}`;
  tools.push(
    readOnly(
      `${prefix}_tool_${index}`,
      `Manages ${prefix} ${words} records.`,
      object({ id: { type: 'string' } }),
    ),
  );
}

const server = new Server(
  { name: 'victor-test-server', version: '1.0.0' },
  { capabilities: { tools: { listChanged: true } } },
);
server.setRequestHandler(ListToolsRequestSchema, (request) => {
  const start = Number(request.params?.cursor ?? '0');
  const page = tools.slice(start, start + pageSize);
  const next = start + pageSize;
  return { tools: page, ...(next < tools.length ? { nextCursor: String(next) } : {}) };
});
server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
  const { name, arguments: args = {} } = request.params;
  switch (name) {
    case 'echo':
      return { content: [{ type: 'text', text: String(args.text) }] };
    case 'hang':
      hanging++;
      return new Promise((resolve) => {
        // Answers only when cancelled, so the test can see notifications/cancelled arrive.
        extra.signal.addEventListener('abort', () => {
          process.stderr.write('cancelled hang\n');
          cancelled++;
          resolve({ content: [{ type: 'text', text: 'cancelled' }] });
        });
      });
    case 'crash':
      setTimeout(() => process.exit(3), 5);
      return new Promise(() => {});
    case 'progress': {
      const token = request.params._meta?.progressToken;
      for (let step = 1; step <= 3; step++) {
        if (token !== undefined)
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: step, total: 3, message: `step ${step}` },
          });
        // The SDK client handles a notification later than a response read in the same chunk: space them.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // Says when the client asked for no progress, so a test can tell.
      return { content: [{ type: 'text', text: token === undefined ? 'done, no progress asked' : 'done' }] };
    }
    case 'image':
      return {
        content: [
          { type: 'text', text: 'a pixel' },
          {
            type: 'image',
            mimeType: 'image/png',
            data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
          },
        ],
      };
    case 'fail':
      return { isError: true, content: [{ type: 'text', text: 'the invoice 42 does not exist' }] };
    case 'pid':
      return {
        content: [
          { type: 'text', text: JSON.stringify({ pid: process.pid, startedAt, cancelled, hanging }) },
        ],
      };
    case 'add_tool':
      tools.push({
        name: String(args.name),
        description: 'Added at run time.',
        inputSchema: object(),
        annotations: { readOnlyHint: true },
      });
      await server.sendToolListChanged();
      return { content: [{ type: 'text', text: 'added' }] };
    case 'delete_everything':
      return { content: [{ type: 'text', text: 'deleted everything' }] };
    case 'modern.schema':
      return { content: [{ type: 'text', text: `n=${args.n}` }] };
    default:
      if (tools.some((tool) => tool.name === name))
        return { content: [{ type: 'text', text: `${name} ran with ${JSON.stringify(args)}` }] };
      return { isError: true, content: [{ type: 'text', text: `unknown tool ${name}` }] };
  }
});
let cancelled = 0;
/** Calls of `hang` that have started (so a test can cancel one it knows the server is running). */
let hanging = 0;
await server.connect(new StdioServerTransport());
