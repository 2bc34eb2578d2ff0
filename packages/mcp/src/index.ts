export type {
  ConnectMcpServersOptions,
  McpServerStatus,
  McpSourceEvent,
  McpToolSource,
} from './connect-mcp-servers.js';
export { connectMcpServers } from './connect-mcp-servers.js';
export type {
  CreateMcpServerOptions,
  McpHttpEndpoint,
  ToolSearchHit,
  VictorMcpServer,
} from './create-mcp-server.js';
export { createMcpServer, toCallToolResult } from './create-mcp-server.js';
export type { McpServerFailure } from './errors.js';
export { McpServerError, McpToolError } from './errors.js';
export type { McpMedia, McpMediaReference, McpToolOutput } from './results.js';
export type {
  McpHttpServerConfig,
  McpProgress,
  McpReconnectOptions,
  McpServerConfig,
  McpServerState,
  McpStdioServerConfig,
  McpTransportServerConfig,
} from './server-connection.js';
export type { ToolRename, ToolRenameReason } from './tool-names.js';
export { assignToolNames, fitToolName, PORTABLE_TOOL_NAME_PATTERN } from './tool-names.js';
