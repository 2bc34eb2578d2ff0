import { InvalidResponseError } from '@victor-ai/core';

/**
 * Parses the JSON payload of one stream event. Resolves to the object, or to the error a decoder ends the
 * stream with when the payload is not JSON or not an object.
 */
export function parseStreamEventJson(data: string): Record<string, unknown> | InvalidResponseError {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch (error) {
    return new InvalidResponseError({
      message: `malformed stream event: ${JSON.stringify(data.slice(0, 120))}`,
      cause: error,
    });
  }
  if (typeof event !== 'object' || event === null) {
    return new InvalidResponseError({ message: `stream event is not an object: ${data.slice(0, 120)}` });
  }
  return event as Record<string, unknown>;
}
