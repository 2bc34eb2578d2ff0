/** The loopback model's answer in every scenario that runs against the shared server process. */
export const REPLY_TEXT = 'The quick brown fox jumps over the lazy dog. '.repeat(8);

/** What each client checks its answer against (streamed answers are checked by their start). */
export const EXPECTED_PREFIX = 'The quick brown fox';
