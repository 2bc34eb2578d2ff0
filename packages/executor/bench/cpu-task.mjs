// The CPU-bound "tool" of the event-loop benchmark: pure-JS hashing (FNV-1a style) that keeps its thread
// busy for `ms` milliseconds of wall time. Wall time rather than a fixed iteration count, because on a
// shared, noisy machine a fixed count takes anywhere from 12 to 60 ms; a call here always blocks its
// thread for the same time. Plain JS: workers load it as is.

/** Hashes until `ms` milliseconds have passed; returns the hash and the rounds done. */
export function burn({ ms }) {
  const end = performance.now() + ms;
  let hash = 0x811c9dc5;
  let rounds = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 10_000; i++) {
      hash ^= i & 0xff;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    rounds++;
  }
  return { hash, rounds };
}
