/** Where the demo's model is: an OpenAI-compatible endpoint, Anthropic, or the offline loopback model. */
export type ModelConfig =
  | { kind: 'remote'; baseURL: string; apiKey: string | undefined; model: string; api?: OpenAIApi }
  | { kind: 'anthropic'; baseURL: string | undefined; apiKey: string; model: string }
  | { kind: 'offline'; hint?: string; api?: OpenAIApi };

/** Which OpenAI API the demo speaks: Chat Completions (default) or Responses (`VICTOR_API=responses`). */
export type OpenAIApi = 'chat' | 'responses';

function openAIApiOf(env: NodeJS.ProcessEnv): OpenAIApi | undefined {
  const value = env.VICTOR_API?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'chat') return undefined;
  if (value === 'responses') return 'responses';
  throw new Error(`VICTOR_API must be "chat" or "responses", got ${JSON.stringify(env.VICTOR_API)}`);
}

/**
 * Reads the model configuration from the environment: `VICTOR_BASE_URL` (+ `VICTOR_MODEL`, optional
 * `VICTOR_API_KEY`) for any OpenAI-compatible endpoint; else `ANTHROPIC_API_KEY` + `VICTOR_MODEL` (optional
 * `ANTHROPIC_BASE_URL`) for Anthropic; else offline. `VICTOR_API=responses` speaks OpenAI's Responses API
 * instead of Chat Completions (to the remote endpoint, or to the offline loopback model).
 */
export function readModelConfig(env: NodeJS.ProcessEnv): ModelConfig {
  const api = openAIApiOf(env);
  const baseURL = env.VICTOR_BASE_URL?.trim();
  const model = env.VICTOR_MODEL?.trim();
  if (baseURL) {
    if (!model) {
      throw new Error(
        'VICTOR_BASE_URL is set but VICTOR_MODEL is not: name the model to use (for example llama3.2)',
      );
    }
    const remote: ModelConfig = {
      kind: 'remote',
      baseURL,
      apiKey: env.VICTOR_API_KEY?.trim() || undefined,
      model,
    };
    if (api) remote.api = api;
    return remote;
  }
  const anthropicKey = env.ANTHROPIC_API_KEY?.trim();
  if (anthropicKey) {
    if (!model) {
      return {
        kind: 'offline',
        hint: 'ANTHROPIC_API_KEY is set but VICTOR_MODEL is not, so the demo stays offline; set VICTOR_MODEL (for example claude-sonnet-4-5) to use Anthropic',
      };
    }
    return {
      kind: 'anthropic',
      baseURL: env.ANTHROPIC_BASE_URL?.trim() || undefined,
      apiKey: anthropicKey,
      model,
    };
  }
  return api ? { kind: 'offline', api } : { kind: 'offline' };
}
