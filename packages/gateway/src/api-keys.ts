import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The stored form of an API key: `sha256:<hex>`; the gateway's configuration holds only this. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * The API key a request presents: `Authorization: Bearer KEY` (OpenAI clients) or `x-api-key: KEY`
 * (Anthropic clients); undefined when it presents none.
 */
export function apiKeyOf(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}
