import { defineConfig } from 'tsup';

// The benchmark is an application: the orchestrator and the processes it starts, ESM only.
export default defineConfig({
  entry: {
    main: 'src/main.ts',
    'server-process': 'src/server-process.ts',
    'client-process': 'src/client-process.ts',
    'extras-process': 'src/extras-process.ts',
    'gateway-client': 'src/gateway-client.ts',
    'gateway-main': 'src/gateway-main.ts',
    'cpu-task': 'src/cpu-task.ts',
    'prompt-cache': 'src/prompt-cache.ts',
    'mcp-echo-server': 'src/mcp-echo-server.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
});
