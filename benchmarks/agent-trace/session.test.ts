import { describe, expect, it } from 'vitest';
import { generateCodingSession, SESSION_TOOLS, sessionToolResult } from './session.js';

describe('generateCodingSession', () => {
  it('is seeded: the same seed gives the same session, another seed another one', () => {
    expect(generateCodingSession()).toEqual(generateCodingSession());
    expect(generateCodingSession({ seed: 2 })).not.toEqual(generateCodingSession());
  });

  it('has 40 turns over 30 tools, every needed tool called, results of the stated size', () => {
    const session = generateCodingSession();
    expect(session).toHaveLength(40);
    expect(new Set(SESSION_TOOLS.map((tool) => tool.name)).size).toBe(30);
    for (const turn of session) {
      expect(turn.calls.map((call) => call.name)).toEqual(turn.needed);
      for (const call of turn.calls) expect(sessionToolResult(call)).toHaveLength(call.resultChars);
    }
  });
});
