/**
 * Reads a stream to its end and returns every event in order (what `Array.fromAsync` does on Node 22),
 * for tests that check a provider's or an agent's stream as a whole.
 */
export async function collectEvents<T>(events: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const event of events) all.push(event);
  return all;
}
