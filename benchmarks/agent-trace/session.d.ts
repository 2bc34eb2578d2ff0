// Types of the standard long coding session (session.js); README.md documents it.

/** A tool of the session: what lexical selection matches, and the range of its result sizes in characters. */
export interface SessionTool {
  name: string;
  description: string;
  sizes: [number, number];
}

/** One tool call of a session turn. */
export interface SessionCall {
  id: string;
  name: string;
  args: { target: string; step: number };
  resultChars: number;
}

/** One user turn: the query, the tools it needs, the calls the model makes, and its final answer. */
export interface SessionTurn {
  query: string;
  needed: string[];
  calls: SessionCall[];
  answer: string;
}

/** The 30 tools of the session. */
export const SESSION_TOOLS: readonly SessionTool[];
/** The session's system prompt, the same every turn. */
export const SESSION_SYSTEM_PROMPT: string;
/** Generates the seeded session (seed 21, 40 turns by default). */
export function generateCodingSession(options?: { seed?: number; turns?: number }): SessionTurn[];
/** The deterministic text of a call's result, `resultChars` long. */
export function sessionToolResult(call: SessionCall): string;
