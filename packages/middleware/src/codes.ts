/**
 * Codes this package puts in `ToolResult.error.code`. Core's codes (`INVALID_ARGUMENTS`, `TIMEOUT`, `ABORTED`,
 * `TOOL_FAILED`) are reused where they fit; the rest are this package's own, stable, and safe to match on.
 */
export const MiddlewareResultCode = {
  /** A guard threw (or returned something that is not a decision); the call was refused (fail closed). */
  middlewareFailed: 'MIDDLEWARE_FAILED',
  /** The safety middleware found a destructive shell command. */
  dangerousCommand: 'DANGEROUS_COMMAND',
  /** A path argument leaves the workspace. */
  pathOutsideWorkspace: 'PATH_OUTSIDE_WORKSPACE',
  /** An argument contains what looks like a secret (private key, cloud credential, token). */
  secretInArguments: 'SECRET_IN_ARGUMENTS',
  /** The arguments do not match the tool's schema. */
  invalidArguments: 'INVALID_ARGUMENTS',
  /** The rate limit for this tool (and tenant) is used up. */
  rateLimited: 'RATE_LIMITED',
  /** The approval hook denied the call. */
  approvalDenied: 'APPROVAL_DENIED',
  /** The tool ran past its timeout. */
  timeout: 'TIMEOUT',
  /** The caller aborted. */
  aborted: 'ABORTED',
  /** The tool threw something that is not a `VictorError`. */
  toolFailed: 'TOOL_FAILED',
} as const;

/** One of the values of `MiddlewareResultCode`. */
export type MiddlewareResultCode = (typeof MiddlewareResultCode)[keyof typeof MiddlewareResultCode];
