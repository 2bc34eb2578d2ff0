import { VictorError, type VictorErrorOptions } from '@victor-ai/core';

/** Where a Universal Sentence Encoder call failed: loading the model, or embedding a batch. */
export type EmbedderStage = 'load' | 'embed';

/**
 * The sentence encoder could not be loaded or could not embed a batch (code `COMPUTE_FAILED`). A failed
 * load is retried by the next call; a failed batch is not retried here, the caller decides.
 */
export class EmbedderModelError extends VictorError {
  readonly stage: EmbedderStage;
  constructor(options: VictorErrorOptions & { stage: EmbedderStage }) {
    super('COMPUTE_FAILED', options);
    this.name = 'EmbedderModelError';
    this.stage = options.stage;
  }
}
