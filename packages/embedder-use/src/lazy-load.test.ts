import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The model packages are CommonJS: once loaded they sit in require's cache.
const loadedModules = () =>
  Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('@energetic-ai'));

describe('@victor-ai/embedder-use', () => {
  it('loads TensorFlow.js and the model at the first use, not at import', async () => {
    const { createUseEmbedder } = await import('./index.js');
    const embedder = createUseEmbedder();
    expect(loadedModules()).toEqual([]);
    await embedder.load();
    expect(loadedModules().length).toBeGreaterThan(0);
    await embedder.close();
  }, 120_000);
});
