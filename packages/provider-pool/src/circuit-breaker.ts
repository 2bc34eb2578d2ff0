import type { Clock, MetricLabels, MetricsSink } from '@victor-ai/core';
import { MetricNames, noopMetricsSink, systemClock } from '@victor-ai/core';
import { optionalDuration, positiveInteger, rate } from './options.js';

/** Where a circuit breaker stands: letting calls through, refusing them, or letting a few probes through. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of `CircuitBreaker`. */
export interface CircuitBreakerOptions {
  /** How many of the latest calls the rates are computed over; default 20. */
  windowSize?: number;
  /** Calls needed in the window before the breaker may open; default 10. */
  minimumCalls?: number;
  /** Share of failed calls in the window that opens the breaker; default 0.5. */
  failureRateThreshold?: number;
  /** A call slower than this counts as slow; default none (slow calls not counted). */
  slowCallDurationMs?: number;
  /** Share of slow calls in the window that opens the breaker; default 0.8. */
  slowCallRateThreshold?: number;
  /** How long the breaker stays open before letting probes through; default 5,000 ms. */
  openDurationMs?: number;
  /** Probes let through while half-open; all must succeed to close again. Default 2. */
  halfOpenProbes?: number;
  /** Names the endpoint in metrics and errors. */
  name?: string;
  /** Where state changes go (`victor_provider_circuit_state` gauge, `..._transitions_total` counter). */
  metrics?: MetricsSink;
  /** Time source; default the system clock. */
  clock?: Clock;
}

const FAILED = 1;
const SLOW = 2;
const STATE_VALUE: Record<CircuitState, number> = { closed: 0, open: 1, 'half-open': 2 };

/**
 * A count-based sliding window over the latest call outcomes (`FAILED` and `SLOW` bits), keeping running
 * counts of the calls in it, the failed ones and the slow ones.
 */
class OutcomeWindow {
  calls = 0;
  failures = 0;
  slow = 0;
  private readonly outcomes: Uint8Array;
  private next = 0;

  constructor(size: number) {
    this.outcomes = new Uint8Array(size);
  }

  /** Adds one outcome, dropping the oldest one when the window is full. */
  add(outcome: number): void {
    const outcomes = this.outcomes;
    if (this.calls === outcomes.length) {
      const old = outcomes[this.next]!;
      if (old & FAILED) this.failures--;
      if (old & SLOW) this.slow--;
    } else {
      this.calls++;
    }
    outcomes[this.next] = outcome;
    if (outcome & FAILED) this.failures++;
    if (outcome & SLOW) this.slow++;
    const next = this.next + 1;
    this.next = next === outcomes.length ? 0 : next; // a compare, not a division
  }

  /** Forgets every outcome. */
  clear(): void {
    this.outcomes.fill(0);
    this.next = 0;
    this.calls = 0;
    this.failures = 0;
    this.slow = 0;
  }
}

/** Name of the gauge holding each endpoint's breaker state (0 closed, 1 open, 2 half-open): an alias of core's `MetricNames.circuitState`. */
export const CIRCUIT_STATE_METRIC = MetricNames.circuitState;
/** Name of the counter of breaker state changes, labelled `endpoint`, `from`, `to`: an alias of core's `MetricNames.circuitStateChanges`. */
export const CIRCUIT_TRANSITIONS_METRIC = MetricNames.circuitStateChanges;

/**
 * A circuit breaker for one endpoint, over a count-based sliding window of the latest calls. It opens when
 * the failure rate or the slow-call rate passes its threshold, refuses calls while open, then half-opens
 * and lets `halfOpenProbes` calls through: if all succeed it closes, if one fails it opens again. State
 * changes are reported through `MetricsSink`.
 */
export class CircuitBreaker {
  private stateValue: CircuitState = 'closed';
  private readonly window: OutcomeWindow;
  private openedAt = 0;
  private probesStarted = 0;
  private probesSucceeded = 0;
  private readonly minimumCalls: number;
  private readonly failureRateThreshold: number;
  private readonly slowCallDurationMs: number | undefined;
  private readonly slowCallRateThreshold: number;
  private readonly openDurationMs: number;
  private readonly halfOpenProbes: number;
  private readonly name: string;
  private readonly metrics: MetricsSink;
  private readonly clock: Clock;
  private readonly stateLabels: MetricLabels;

  constructor(options: CircuitBreakerOptions = {}) {
    const windowSize = positiveInteger('circuitBreaker.windowSize', options.windowSize, 20);
    this.window = new OutcomeWindow(windowSize);
    this.minimumCalls = positiveInteger(
      'circuitBreaker.minimumCalls',
      options.minimumCalls,
      Math.min(10, windowSize),
    );
    this.failureRateThreshold = rate(
      'circuitBreaker.failureRateThreshold',
      options.failureRateThreshold,
      0.5,
    );
    this.slowCallDurationMs = optionalDuration(
      'circuitBreaker.slowCallDurationMs',
      options.slowCallDurationMs,
    );
    this.slowCallRateThreshold = rate(
      'circuitBreaker.slowCallRateThreshold',
      options.slowCallRateThreshold,
      0.8,
    );
    this.openDurationMs = optionalDuration('circuitBreaker.openDurationMs', options.openDurationMs) ?? 5_000;
    this.halfOpenProbes = positiveInteger('circuitBreaker.halfOpenProbes', options.halfOpenProbes, 2);
    this.name = options.name ?? 'endpoint';
    this.metrics = options.metrics ?? noopMetricsSink;
    this.clock = options.clock ?? systemClock;
    this.stateLabels = { endpoint: this.name };
  }

  /** The current state; an open breaker whose open time has passed reads as half-open. */
  get state(): CircuitState {
    this.refresh();
    return this.stateValue;
  }

  /** When an open breaker will let probes through (clock milliseconds), else `undefined`. */
  get retryAtMs(): number | undefined {
    return this.stateValue === 'open' ? this.openedAt + this.openDurationMs : undefined;
  }

  /** True when a call would be let through now; changes nothing. */
  canAttempt(): boolean {
    this.refresh();
    if (this.stateValue === 'closed') return true;
    if (this.stateValue === 'open') return false;
    return this.probesStarted < this.halfOpenProbes;
  }

  /** Takes permission for one call; false when refused. Every true must be followed by one outcome call. */
  tryAcquire(): boolean {
    if (!this.canAttempt()) return false;
    if (this.stateValue === 'half-open') this.probesStarted++;
    return true;
  }

  /** Records a successful call and how long it took. */
  onSuccess(durationMs: number): void {
    this.record(this.slowCallDurationMs !== undefined && durationMs >= this.slowCallDurationMs ? SLOW : 0);
  }

  /** Records a failed call and how long it took. */
  onFailure(durationMs: number): void {
    this.record(
      FAILED | (this.slowCallDurationMs !== undefined && durationMs >= this.slowCallDurationMs ? SLOW : 0),
    );
  }

  /** Gives back a permission without an outcome (the caller aborted, or the request itself was bad). */
  onIgnored(): void {
    if (this.stateValue === 'half-open' && this.probesStarted > this.probesSucceeded) this.probesStarted--;
  }

  private record(outcome: number): void {
    this.refresh();
    if (this.stateValue === 'half-open') {
      if (outcome !== 0) {
        this.transition('open');
        return;
      }
      this.probesSucceeded++;
      if (this.probesSucceeded >= this.halfOpenProbes) this.transition('closed');
      return;
    }
    if (this.stateValue === 'open') return; // a call that started before the breaker opened
    const window = this.window;
    window.add(outcome);
    if (window.calls < this.minimumCalls) return;
    if (
      window.failures / window.calls >= this.failureRateThreshold ||
      (this.slowCallDurationMs !== undefined && window.slow / window.calls >= this.slowCallRateThreshold)
    ) {
      this.transition('open');
    }
  }

  private refresh(): void {
    if (this.stateValue === 'open' && this.clock.now() - this.openedAt >= this.openDurationMs) {
      this.transition('half-open');
    }
  }

  private transition(to: CircuitState): void {
    const from = this.stateValue;
    if (from === to) return;
    this.stateValue = to;
    if (to === 'open') this.openedAt = this.clock.now();
    if (to === 'half-open') {
      this.probesStarted = 0;
      this.probesSucceeded = 0;
    }
    if (to === 'closed') this.window.clear();
    this.metrics.gauge(CIRCUIT_STATE_METRIC, STATE_VALUE[to], this.stateLabels);
    this.metrics.increment(CIRCUIT_TRANSITIONS_METRIC, { endpoint: this.name, from, to });
  }
}
