/** Where the demo's model is: a configured OpenAI-compatible endpoint, or the offline loopback model. */
export type ModelConfig =
  | { kind: 'remote'; baseURL: string; apiKey: string | undefined; model: string }
  | { kind: 'offline' };

/** Reads `VICTOR_BASE_URL`, `VICTOR_API_KEY` and `VICTOR_MODEL`; offline when no base URL is set. */
export function readModelConfig(env: NodeJS.ProcessEnv): ModelConfig {
  const baseURL = env.VICTOR_BASE_URL?.trim();
  if (!baseURL) return { kind: 'offline' };
  const model = env.VICTOR_MODEL?.trim();
  if (!model) {
    throw new Error(
      'VICTOR_BASE_URL is set but VICTOR_MODEL is not: name the model to use (for example llama3.2)',
    );
  }
  return { kind: 'remote', baseURL, apiKey: env.VICTOR_API_KEY?.trim() || undefined, model };
}
