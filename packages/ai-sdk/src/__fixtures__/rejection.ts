/** What `pending` rejects with; throws (failing the test) when it resolves instead. */
export async function rejectionOf<E = unknown>(pending: PromiseLike<unknown>): Promise<E> {
  try {
    await pending;
  } catch (caught) {
    return caught as E;
  }
  throw new Error('expected a rejection, but the call resolved');
}
