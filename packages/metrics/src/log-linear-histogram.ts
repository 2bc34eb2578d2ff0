import { invalidOption } from '@victor-ai/core';

// One scratch double shared by every histogram: writing a value here and reading its high 32 bits gives the
// IEEE-754 exponent and the top mantissa bits, i.e. the log-linear bucket, without Math.log or allocation.
const scratch = new Float64Array(1);
const scratchWords = new Uint32Array(scratch.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LOW = 1 - HIGH;
const EXPONENT_BIAS = 1023;
/** Values below 2^-32 (about 0.23 ns in seconds) are counted in the zero bucket. */
const MIN_EXPONENT = -32;
/** Values at or above 2^32 (about 136 years in seconds) are counted in the top bucket. */
const MAX_EXPONENT = 31;
const OCTAVES = MAX_EXPONENT - MIN_EXPONENT + 1;
const MIN_BIASED = MIN_EXPONENT + EXPONENT_BIAS;

/** Options of a {@link LogLinearHistogram}. */
export interface LogLinearHistogramOptions {
  /**
   * Mantissa bits that split each power of two into `2^significantBits` equal buckets (1 to 10, default 7).
   * A quantile is then within `2^-(significantBits + 1)` relative error of the exact value: 0.39% at 7.
   */
  significantBits?: number;
  /** Ascending upper bounds (`le`) of the coarse buckets counted exactly for the Prometheus exposition. */
  bounds?: readonly number[];
}

/**
 * A histogram of non-negative numbers with bounded relative error: log-linear buckets taken straight from
 * the IEEE-754 bits (like HdrHistogram, but for floating-point seconds), allocated per power of two on
 * first use. Recording is a few arithmetic operations and allocates nothing once its octave exists.
 */
export class LogLinearHistogram {
  /** Number of recorded values. */
  count = 0;
  /** Sum of recorded values. */
  sum = 0;
  /** Smallest recorded value (`Infinity` while empty). */
  min = Number.POSITIVE_INFINITY;
  /** Largest recorded value (`-Infinity` while empty). */
  max = Number.NEGATIVE_INFINITY;
  /** Ascending coarse bucket upper bounds, for the Prometheus exposition. */
  readonly bounds: Float64Array;
  /** Non-cumulative counts per coarse bucket; the last slot counts values above the last bound. */
  readonly boundCounts: Float64Array;
  /** The bucket resolution: each power of two holds `2^significantBits` buckets. */
  readonly significantBits: number;

  readonly #shift: number;
  readonly #mask: number;
  readonly #octaves: (Float64Array | undefined)[] = new Array(OCTAVES).fill(undefined);
  #zeroCount = 0;

  constructor(options: LogLinearHistogramOptions = {}) {
    const significantBits = options.significantBits ?? 7;
    if (!Number.isInteger(significantBits) || significantBits < 1 || significantBits > 10) {
      throw invalidOption('significantBits', 'an integer from 1 to 10', significantBits);
    }
    this.significantBits = significantBits;
    this.#shift = 20 - significantBits;
    this.#mask = (1 << significantBits) - 1;
    const bounds = options.bounds ?? [];
    validateBounds(bounds);
    this.bounds = Float64Array.from(bounds);
    this.boundCounts = new Float64Array(bounds.length + 1);
  }

  /** Records one value; returns false (and records nothing) unless it is a finite number >= 0. */
  record(value: number): boolean {
    if (!(value >= 0 && value < Number.POSITIVE_INFINITY)) return false;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;

    const bounds = this.bounds;
    let low = 0;
    let high = bounds.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (value <= bounds[middle]!) high = middle;
      else low = middle + 1;
    }
    this.boundCounts[low]!++;

    scratch[0] = value;
    const index = scratchWords[HIGH]! >>> this.#shift;
    const octave = (index >>> this.significantBits) - MIN_BIASED;
    if (octave < 0) {
      this.#zeroCount++;
      return true;
    }
    if (octave >= OCTAVES) {
      this.#bucketsOf(OCTAVES - 1)[this.#mask]!++;
      return true;
    }
    this.#bucketsOf(octave)[index & this.#mask]!++;
    return true;
  }

  /**
   * The value at quantile `q` (0 to 1) by nearest rank, within the relative error bound; `max` for 1,
   * `NaN` while empty.
   */
  quantile(q: number): number {
    if (this.count === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
    if (q === 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = this.#zeroCount;
    if (seen >= rank) return this.min;
    const bits = this.significantBits;
    for (let octave = 0; octave < OCTAVES; octave++) {
      const buckets = this.#octaves[octave];
      if (buckets === undefined) continue;
      for (let bucket = 0; bucket < buckets.length; bucket++) {
        seen += buckets[bucket]!;
        if (seen >= rank) {
          const index = ((octave + MIN_BIASED) << bits) | bucket;
          const middle =
            (bucketLowerBound(index, this.#shift) + bucketLowerBound(index + 1, this.#shift)) / 2;
          return Math.min(this.max, Math.max(this.min, middle));
        }
      }
    }
    return this.max;
  }

  /** The mean of recorded values, `NaN` while empty. */
  mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  /** Forgets every value; keeps the bucket memory so that recording stays allocation-free. */
  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.#zeroCount = 0;
    this.boundCounts.fill(0);
    for (const buckets of this.#octaves) buckets?.fill(0);
  }

  #bucketsOf(octave: number): Float64Array {
    let buckets = this.#octaves[octave];
    if (buckets === undefined) {
      buckets = new Float64Array(this.#mask + 1);
      this.#octaves[octave] = buckets;
    }
    return buckets;
  }
}

function bucketLowerBound(index: number, shift: number): number {
  scratchWords[HIGH] = index << shift;
  scratchWords[LOW] = 0;
  return scratch[0]!;
}

/** Throws the standard configuration error unless `bounds` are finite and strictly ascending. */
export function validateBounds(bounds: readonly number[], option = 'bounds'): void {
  if (!Array.isArray(bounds)) throw invalidOption(option, 'an array of ascending finite numbers', bounds);
  for (let position = 0; position < bounds.length; position++) {
    const bound = bounds[position];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw invalidOption(option, 'an array of ascending finite numbers', bounds);
    }
    if (position > 0 && bound <= bounds[position - 1]!) {
      throw invalidOption(option, 'an array of ascending finite numbers', bounds);
    }
  }
}
