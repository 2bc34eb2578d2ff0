import { describe, expectTypeOf, it } from 'vitest';
import {
  ConnectionError,
  HttpStatusError,
  TimeoutError,
  VictorError,
  type VictorErrorOptions,
} from './errors.js';

describe('error class types', () => {
  it('are VictorErrors with their own fields and the static isInstance', () => {
    expectTypeOf(new ConnectionError({ message: 'm' })).toMatchTypeOf<VictorError>();
    expectTypeOf(new TimeoutError({ timeoutMs: 5 }).timeoutMs).toEqualTypeOf<number>();
    expectTypeOf(
      new HttpStatusError({ status: 500, url: 'u', responseBody: '' }).status,
    ).toEqualTypeOf<number>();
    expectTypeOf(ConnectionError.isInstance).toEqualTypeOf(VictorError.isInstance);
  });

  it('can be extended by another package', () => {
    class ServerError extends ConnectionError {
      readonly server: string;
      constructor(options: VictorErrorOptions & { server: string }) {
        super(options);
        this.server = options.server;
      }
    }
    expectTypeOf(new ServerError({ message: 'm', server: 's' })).toMatchTypeOf<ConnectionError>();
    // @ts-expect-error: the options need a message.
    new ConnectionError({});
  });
});
