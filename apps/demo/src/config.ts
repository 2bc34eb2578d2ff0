/** Where the demo's model is: an OpenAI-compatible endpoint, Anthropic, or the offline loopback model. */
export type ModelConfig =
  | { kind: 'remote'; baseURL: string; apiKey: string | undefined; model: string }
  | { kind: 'anthropic'; baseURL: string | undefined; apiKey: string; model: string }
  | { kind: 'offline'; hint?: string };

/**
 * Reads the model configuration from the environment: `VICTOR_BASE_URL` (+ `VICTOR_MODEL`, optional
 * `VICTOR_API_KEY`) for any OpenAI-compatible endpoint; else `ANTHROPIC_API_KEY` + `VICTOR_MODEL` (optional
 * `ANTHROPIC_BASE_URL`) for Anthropic; else offline.
 */
export function readModelConfig(env: NodeJS.ProcessEnv): ModelConfig {
  const baseURL = env.VICTOR_BASE_URL?.trim();
  const model = env.VICTOR_MODEL?.trim();
  if (baseURL) {
    if (!model) {
      throw new Error(
        'VICTOR_BASE_URL is set but VICTOR_MODEL is not: name the model to use (for example llama3.2)',
      );
    }
    return { kind: 'remote', baseURL, apiKey: env.VICTOR_API_KEY?.trim() || undefined, model };
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
  return { kind: 'offline' };
}
