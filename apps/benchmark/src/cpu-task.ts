// The CPU-bound "tool" of the executor scenario: hashes until `ms` milliseconds of wall time have passed
// (wall time, so a call blocks its thread for the same time however busy the machine is).

/** Keeps the calling thread busy for `ms` milliseconds; returns the hash it computed. */
export function burn({ ms }: { ms: number }): number {
  const end = performance.now() + ms;
  let hash = 0x811c9dc5;
  while (performance.now() < end) {
    for (let i = 0; i < 10_000; i++) {
      hash ^= i & 0xff;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  }
  return hash;
}
