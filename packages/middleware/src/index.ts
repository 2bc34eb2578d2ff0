export type {
  BeforeOutcome,
  MaybePromise,
  MiddlewareErrorInfo,
  ToolMiddlewareChain,
  ToolMiddlewareChainOptions,
  ToolMiddlewarePlan,
} from './chain.js';
export { createToolMiddlewareChain, middlewareApplies } from './chain.js';
export { MiddlewareResultCode } from './codes.js';
export { wrapProvider } from './wrap-provider.js';
