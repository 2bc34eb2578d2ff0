// The trivial task of the dispatch benchmark.

/** Adds two numbers. */
export function add({ a, b }) {
  return a + b;
}
