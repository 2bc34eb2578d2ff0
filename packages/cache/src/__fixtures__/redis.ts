import { randomUUID } from 'node:crypto';
import { describe, inject, it } from 'vitest';

/** URL of the test Redis, or '' when none could be had. */
export const redisUrl = inject('redisUrl');
/** Path of redis-server for tests that start, stop and pause their own server, or ''. */
export const redisServerBinary = inject('redisServerBinary');
const reason = inject('redisUnavailableReason');
/** CI (VICTOR_REQUIRE_REDIS=1 or CI=true) must run the Redis suites: a missing Redis fails instead of skipping. */
export const redisRequired = process.env.VICTOR_REQUIRE_REDIS === '1' || process.env.CI === 'true';

/**
 * `describe` for suites that need a Redis: skipped, loudly, when there is none, except when Redis is
 * required, where one failing test says why.
 */
export function describeWithRedis(
  name: string,
  body: () => void,
  options: { needsBinary?: boolean } = {},
): void {
  const missing =
    redisUrl === ''
      ? reason
      : options.needsBinary && redisServerBinary === ''
        ? 'redis-server is not installed'
        : '';
  if (missing !== '' && redisRequired) {
    describe(name, () => {
      it('needs Redis, which CI requires', () => {
        throw new Error(`Redis is required (VICTOR_REQUIRE_REDIS=1 or CI=true) but unavailable: ${missing}`);
      });
    });
    return;
  }
  if (missing !== '') {
    console.warn(`\n*** SKIPPING "${name}": no Redis (${missing}) ***\n`);
  }
  describe.skipIf(missing !== '')(name, body);
}

/** A namespace no other test uses, so test files can share one Redis. */
export function uniqueNamespace(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}
