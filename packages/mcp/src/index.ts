export {
  type ConnectMcpServersOptions,
  connectMcpServers,
  type McpServerStatus,
  type McpSourceEvent,
  type McpToolSource,
} from './connect-mcp-servers.js';
export {
  type CreateMcpServerOptions,
  createMcpServer,
  type McpHttpEndpoint,
  type ToolSearchHit,
  toCallToolResult,
  type VictorMcpServer,
} from './create-mcp-server.js';
export { McpServerError, type McpServerFailure, McpToolError } from './errors.js';
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
export {
  assignToolNames,
  fitToolName,
  PORTABLE_TOOL_NAME_PATTERN,
  type ToolRename,
  type ToolRenameReason,
} from './tool-names.js';
