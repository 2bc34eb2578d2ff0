import type {
  ChatRequest,
  ChatResponse,
  Clock,
  EmbedRequest,
  EmbedResponse,
  MetricLabels,
  MetricsSink,
  Provider,
  StreamEvent,
  VictorError,
} from '@victor-ai/core';
import {
  AbortedError,
  abortReason,
  CircuitOpenError,
  ConnectionError,
  combineSignals,
  delay,
  invalidOption,
  noopMetricsSink,
  systemClock,
  TimeoutError,
  VictorError as VictorErrorClass,
} from '@victor-ai/core';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { optionalDuration, positiveInteger, rate } from './options.js';
import { type BackoffOptions, backoffDelay, isRetryableError, resolveBackoff } from './retry.js';

/** One endpoint of a pool: a provider (a model, a key, a region or another vendor) and how to weigh it. */
export interface PoolEndpoint {
  provider: Provider;
  /** Names the endpoint in metrics and errors; default the provider's `id`. */
  name?: string;
  /** Share of the load relative to the others (balanced selection); default 1. */
  weight?: number;
  /** This endpoint's breaker options (merged over the pool's), or `false` for no breaker. */
  circuitBreaker?: CircuitBreakerOptions | false;
}

/** Options of `createProviderPool`. */
export interface ProviderPoolOptions {
  /** The endpoints, in fallback order. */
  endpoints: readonly PoolEndpoint[];
  /** Identifies the pool in metrics and errors; default `pool:<endpoint names>`. */
  id?: string;
  /**
   * `balanced` (default): the endpoint with the lowest (in flight + 1) x EWMA latency / weight.
   * `ordered`: always the first healthy endpoint in the given order; the others are fallbacks.
   */
  selection?: 'balanced' | 'ordered';
  /** Most attempts per request, the first included; default 3. */
  maxAttempts?: number;
  /** Waits between attempts on the same endpoint (full jitter, raised to `Retry-After`). */
  backoff?: BackoffOptions;
  /** Deadline of one attempt; for streams, until the first event. Default none. */
  attemptTimeoutMs?: number;
  /** Deadline of the whole request, retries and waits included. Default none. */
  deadlineMs?: number;
  /** Breaker options for every endpoint; `false` for none. Default: breakers with their defaults. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /**
   * When every endpoint's circuit is open: `false` (default) still tries the best endpoint, as Envoy's
   * panic mode does, since a breaker exists to shift load to healthy endpoints, not to turn a brownout
   * of all of them into an outage; `true` fails at once with `CIRCUIT_OPEN`.
   */
  failFastWhenAllOpen?: boolean;
  /**
   * Longest wait before a retry that a server's `Retry-After` may ask for; default 10,000 ms. When the
   * server asks for more, the call fails at once with the server's error (its `retryAfterMs` says how long)
   * instead of holding the request and a timer.
   */
  maxRetryWaitMs?: number;
  /** Weight of the newest latency sample in the EWMA; default 0.3. */
  ewmaAlpha?: number;
  /**
   * Half-life of an idle endpoint's latency estimate: without new samples it decays toward 0, so an
   * endpoint penalised by failures gets tried again later instead of starving. Default 2,000 ms.
   */
  latencyHalfLifeMs?: number;
  /** Highest latency a failure can add to the estimate; default 10,000 ms. */
  maxFailurePenaltyMs?: number;
  /** Close the endpoints' providers in `close()`; default true. */
  closeEndpoints?: boolean;
  /** Where retries and breaker state changes go. */
  metrics?: MetricsSink;
  /** Time source (breakers, latency); default the system clock. */
  clock?: Clock;
  /** Random source in [0, 1) for jitter; default `Math.random`. */
  random?: () => number;
}

/** What a pool knows about one endpoint, as `ProviderPool.endpoints` reports it. */
export interface PoolEndpointStats {
  name: string;
  weight: number;
  inFlight: number;
  /** Smoothed latency in ms (time to first event for streams); `undefined` before the first call. */
  latencyMs: number | undefined;
  state: 'closed' | 'open' | 'half-open';
  /** Clock ms before which a `Retry-After` asked not to call it again. */
  blockedUntil: number;
}

interface EndpointState {
  provider: Provider;
  name: string;
  weight: number;
  breaker: CircuitBreaker | undefined;
  inFlight: number;
  ewma: number | undefined;
  lastSampleAt: number;
  blockedUntil: number;
  labels: MetricLabels;
}

/** Name of the counter of retries (attempts after the first), labelled `pool` and `endpoint`. */
export const RETRIES_METRIC = 'victor_provider_retries_total';

const NO_ENDPOINTS = 0;

/** One attempt's signal: the caller's, the request deadline and the attempt timeout; `clearTimeout` ends the last. */
class AttemptSignal {
  readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners: Array<[AbortSignal, () => void]> = [];

  constructor(parents: ReadonlyArray<AbortSignal | undefined>, timeoutMs: number | undefined) {
    for (const parent of parents) {
      if (!parent) continue;
      if (parent.aborted) {
        this.controller.abort(parent.reason);
        return;
      }
      const listener = () => this.abort(parent.reason);
      parent.addEventListener('abort', listener, { once: true });
      this.listeners.push([parent, listener]);
    }
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(
        () => this.abort(new TimeoutError({ timeoutMs, message: `attempt timed out after ${timeoutMs} ms` })),
        timeoutMs,
      );
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  clearTimeout(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.clearTimeout();
    for (const [parent, listener] of this.listeners) parent.removeEventListener('abort', listener);
    this.listeners.length = 0;
  }

  private abort(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}

function asVictorError(error: unknown): VictorError {
  if (VictorErrorClass.isInstance(error)) return error;
  return new ConnectionError({
    message: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}

/**
 * A `Provider` over several endpoints: picks one per attempt (weighted, least in flight, EWMA latency, or
 * a fixed fallback order), skips endpoints whose circuit breaker is open or whose `Retry-After` has not
 * passed, retries retryable failures with exponential backoff and full jitter on another endpoint when
 * there is one, never retries an abort or a stream whose first event reached the caller, and keeps a
 * deadline per request. A response that cannot be decoded before anything was delivered falls back to
 * another endpoint (it is the endpoint's fault, not the request's), but is not retried on the same one.
 */
export class ProviderPool implements Provider {
  readonly id: string;
  private readonly states: EndpointState[];
  private readonly balanced: boolean;
  private readonly maxAttempts: number;
  private readonly backoff: ReturnType<typeof resolveBackoff>;
  private readonly attemptTimeoutMs: number | undefined;
  private readonly deadlineMs: number | undefined;
  private readonly maxRetryWaitMs: number;
  private readonly alpha: number;
  private readonly halfLifeMs: number;
  private readonly maxPenaltyMs: number;
  private readonly closeEndpoints: boolean;
  private readonly failFast: boolean;
  private readonly metrics: MetricsSink;
  private readonly clock: Clock;
  private readonly random: () => number;
  private closed = false;

  constructor(options: ProviderPoolOptions) {
    if (typeof options !== 'object' || options === null) throw invalidOption('options', 'an object', options);
    const endpoints = options.endpoints;
    if (!Array.isArray(endpoints) || endpoints.length === NO_ENDPOINTS) {
      throw invalidOption('endpoints', 'a non-empty array', endpoints);
    }
    const selection = options.selection ?? 'balanced';
    if (selection !== 'balanced' && selection !== 'ordered') {
      throw invalidOption('selection', '"balanced" or "ordered"', selection);
    }
    this.balanced = selection === 'balanced';
    this.maxAttempts = positiveInteger('maxAttempts', options.maxAttempts, 3);
    this.backoff = resolveBackoff(options.backoff);
    this.attemptTimeoutMs = optionalDuration('attemptTimeoutMs', options.attemptTimeoutMs);
    this.deadlineMs = optionalDuration('deadlineMs', options.deadlineMs);
    this.maxRetryWaitMs = optionalDuration('maxRetryWaitMs', options.maxRetryWaitMs) ?? 10_000;
    this.alpha = rate('ewmaAlpha', options.ewmaAlpha, 0.3);
    if (this.alpha === 0) throw invalidOption('ewmaAlpha', 'a number above 0 and at most 1', 0);
    this.halfLifeMs = optionalDuration('latencyHalfLifeMs', options.latencyHalfLifeMs) ?? 2_000;
    this.maxPenaltyMs = optionalDuration('maxFailurePenaltyMs', options.maxFailurePenaltyMs) ?? 10_000;
    this.closeEndpoints = options.closeEndpoints ?? true;
    this.failFast = options.failFastWhenAllOpen ?? false;
    this.metrics = options.metrics ?? noopMetricsSink;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    const names = new Set<string>();
    this.states = endpoints.map((endpoint, index) => {
      const provider = endpoint?.provider;
      if (typeof provider?.chat !== 'function' || typeof provider.stream !== 'function') {
        throw invalidOption(`endpoints[${index}].provider`, 'a Provider', provider);
      }
      const name = endpoint.name ?? provider.id;
      if (names.has(name)) throw invalidOption(`endpoints[${index}].name`, 'unique in the pool', name);
      names.add(name);
      const weight = endpoint.weight ?? 1;
      if (typeof weight !== 'number' || !(weight > 0) || !Number.isFinite(weight)) {
        throw invalidOption(`endpoints[${index}].weight`, 'a positive finite number', weight);
      }
      const breakerOptions =
        endpoint.circuitBreaker === false || options.circuitBreaker === false
          ? undefined
          : { ...options.circuitBreaker, ...endpoint.circuitBreaker };
      return {
        provider,
        name,
        weight,
        breaker: breakerOptions
          ? new CircuitBreaker({ metrics: this.metrics, clock: this.clock, ...breakerOptions, name })
          : undefined,
        inFlight: 0,
        ewma: undefined,
        lastSampleAt: 0,
        blockedUntil: 0,
        labels: { pool: '', endpoint: name },
      };
    });
    this.id = options.id ?? `pool:${[...names].join(',')}`;
    for (const state of this.states) state.labels = { pool: this.id, endpoint: state.name };
  }

  /** A snapshot of every endpoint: load, latency, breaker state. */
  get endpoints(): PoolEndpointStats[] {
    return this.states.map((state) => ({
      name: state.name,
      weight: state.weight,
      inFlight: state.inFlight,
      latencyMs: state.ewma === undefined ? undefined : this.latencyOf(state, this.clock.now()),
      state: state.breaker?.state ?? 'closed',
      blockedUntil: state.blockedUntil,
    }));
  }

  /** Sends a chat request to the best endpoint, retrying and falling back as configured. */
  chat(request: ChatRequest): Promise<ChatResponse> {
    return this.run(request.abortSignal, undefined, (provider, abortSignal) =>
      provider.chat(abortSignal === request.abortSignal ? request : { ...request, abortSignal }),
    );
  }

  /** Embeds texts on the best endpoint that can embed, retrying and falling back as configured. */
  embed(request: EmbedRequest): Promise<EmbedResponse> {
    if (!this.states.some((state) => typeof state.provider.embed === 'function')) {
      return Promise.reject(invalidOption('endpoints', 'at least one provider with embed()', this.id));
    }
    return this.run(
      request.abortSignal,
      (state) => typeof state.provider.embed === 'function',
      (provider, abortSignal) =>
        provider.embed!(abortSignal === request.abortSignal ? request : { ...request, abortSignal }),
    );
  }

  /**
   * Streams from the best endpoint. Failures before the first event are retried or fall back like
   * `chat()`; once an event has reached the caller the stream is never retried, and a later failure
   * arrives as the provider's `error` event. Breaking out of the loop cancels the request.
   */
  async *stream(request: ChatRequest): AsyncGenerator<StreamEvent, void, undefined> {
    this.assertOpen();
    const deadline = this.deadlineMs
      ? combineSignals([request.abortSignal], { timeoutMs: this.deadlineMs })
      : undefined;
    const outer = deadline?.signal ?? request.abortSignal;
    const tried = new Set<EndpointState>();
    let lastError: VictorError | undefined;
    let lastState: EndpointState | undefined;
    try {
      for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
        const state =
          attempt === 1
            ? this.admit(this.pick(tried, lastError, outer, undefined), tried, lastError, undefined)
            : await this.retryAttempt(attempt, tried, lastState, lastError, outer, undefined);
        const attemptSignal =
          this.attemptTimeoutMs === undefined ? undefined : new AttemptSignal([outer], this.attemptTimeoutMs);
        const signal = attemptSignal?.signal ?? outer;
        const started = this.clock.now();
        let iterator: AsyncIterator<StreamEvent> | undefined;
        let finished = false;
        let delivered = false;
        try {
          let first: IteratorResult<StreamEvent>;
          try {
            iterator = state.provider
              .stream(signal === request.abortSignal ? request : { ...request, abortSignal: signal })
              [Symbol.asyncIterator]();
            first = await iterator.next();
            if (!first.done && first.value.type === 'error') throw first.value.error;
          } catch (error) {
            const failure = this.failureOf(error, signal);
            this.recordFailure(state, failure, this.clock.now() - started);
            if (!this.shouldRetry(failure, state, tried, outer, request.abortSignal)) throw failure;
            lastError = failure;
            lastState = state;
            tried.add(state);
            continue;
          }
          attemptSignal?.clearTimeout();
          const firstEventMs = this.clock.now() - started;
          this.observeLatency(state, firstEventMs);
          let result = first;
          let failed = false;
          while (!result.done) {
            if (result.value.type === 'error') failed = true;
            delivered = true;
            yield result.value;
            result = await iterator.next();
          }
          finished = true;
          if (failed) state.breaker?.onFailure(firstEventMs);
          else state.breaker?.onSuccess(firstEventMs);
          return;
        } finally {
          if (!finished && delivered) {
            // The caller stopped early or the stream threw after delivering: no outcome for the breaker.
            state.breaker?.onIgnored();
          }
          if (!finished && iterator?.return) await iterator.return(undefined).catch(() => {});
          state.inFlight--;
          attemptSignal?.dispose();
        }
      }
      throw lastError ?? new ConnectionError({ message: `${this.id}: no attempt was made` });
    } finally {
      deadline?.dispose();
    }
  }

  /** Closes every endpoint's provider (unless `closeEndpoints` is false); later calls fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.closeEndpoints) await Promise.all(this.states.map((state) => state.provider.close()));
  }

  private async run<T>(
    abortSignal: AbortSignal | undefined,
    eligible: ((state: EndpointState) => boolean) | undefined,
    call: (provider: Provider, abortSignal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    this.assertOpen();
    const deadline = this.deadlineMs
      ? combineSignals([abortSignal], { timeoutMs: this.deadlineMs })
      : undefined;
    const outer = deadline?.signal ?? abortSignal;
    const tried = new Set<EndpointState>();
    let lastError: VictorError | undefined;
    let lastState: EndpointState | undefined;
    try {
      for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
        // The first attempt is chosen synchronously: no promise unless there is a wait.
        const state =
          attempt === 1
            ? this.admit(this.pick(tried, lastError, outer, eligible), tried, lastError, eligible)
            : await this.retryAttempt(attempt, tried, lastState, lastError, outer, eligible);
        // An AbortController costs several microseconds in undici; only an attempt timeout needs one.
        const attemptSignal =
          this.attemptTimeoutMs === undefined ? undefined : new AttemptSignal([outer], this.attemptTimeoutMs);
        const signal = attemptSignal?.signal ?? outer;
        const started = this.clock.now();
        try {
          const result = await call(state.provider, signal);
          const duration = this.clock.now() - started;
          this.observeLatency(state, duration);
          state.breaker?.onSuccess(duration);
          return result;
        } catch (error) {
          const failure = this.failureOf(error, signal);
          this.recordFailure(state, failure, this.clock.now() - started);
          if (!this.shouldRetry(failure, state, tried, outer, abortSignal)) throw failure;
          lastError = failure;
          lastState = state;
          tried.add(state);
        } finally {
          state.inFlight--;
          attemptSignal?.dispose();
        }
      }
      throw lastError ?? new ConnectionError({ message: `${this.id}: no attempt was made` });
    } finally {
      deadline?.dispose();
    }
  }

  /**
   * Picks the endpoint for an attempt and counts it in flight at once (so concurrent callers selecting
   * right after see the load); throws when nothing may be tried. The caller decrements `inFlight`.
   */
  private pick(
    tried: Set<EndpointState>,
    lastError: VictorError | undefined,
    outer: AbortSignal | undefined,
    eligible: ((state: EndpointState) => boolean) | undefined,
  ): EndpointState {
    if (outer?.aborted) throw abortReason(outer);
    const now = this.clock.now();
    const mustSwitch = lastError?.code === 'INVALID_RESPONSE';
    let state = this.select(tried, now, eligible, mustSwitch);
    // Every circuit open: panic mode tries the best endpoint anyway, unless told to fail fast.
    if (state === undefined && !this.failFast) state = this.select(tried, now, eligible, mustSwitch, true);
    if (state === undefined) throw lastError ?? this.circuitOpenError(now);
    state.inFlight++;
    return state;
  }

  /** Takes the picked endpoint's breaker permission, or switches to another endpoint that gives one. */
  private admit(
    state: EndpointState,
    tried: Set<EndpointState>,
    lastError: VictorError | undefined,
    eligible: ((state: EndpointState) => boolean) | undefined,
  ): EndpointState {
    if (!state.breaker || state.breaker.tryAcquire()) return state;
    const other = this.select(tried, this.clock.now(), eligible, false);
    if (other === undefined || (other.breaker && !other.breaker.tryAcquire())) {
      if (!this.failFast) return state;
      state.inFlight--;
      throw lastError ?? this.circuitOpenError(this.clock.now());
    }
    state.inFlight--;
    other.inFlight++;
    return other;
  }

  /** Picks the endpoint for a retry, waits the backoff (and any `Retry-After`), then admits it. */
  private async retryAttempt(
    attempt: number,
    tried: Set<EndpointState>,
    lastState: EndpointState | undefined,
    lastError: VictorError | undefined,
    outer: AbortSignal | undefined,
    eligible: ((state: EndpointState) => boolean) | undefined,
  ): Promise<EndpointState> {
    const state = this.pick(tried, lastError, outer, eligible);
    try {
      this.metrics.increment(RETRIES_METRIC, state.labels);
      const now = this.clock.now();
      let wait = 0;
      if (state === lastState) {
        wait = backoffDelay(attempt - 1, this.backoff, this.random, this.retryAfterOf(lastError));
      }
      if (state.blockedUntil > now) wait = Math.max(wait, state.blockedUntil - now);
      // A server that asks for a long pause gets its answer passed on rather than a request held for it.
      if (wait > this.maxRetryWaitMs && lastError) throw lastError;
      if (wait > 0) {
        try {
          await delay(wait, outer ? { abortSignal: outer } : {});
        } catch (error) {
          // The deadline or the caller ended the wait: report why, with the failure that led to it.
          throw VictorErrorClass.isInstance(error) && error.code === 'TIMEOUT' && lastError
            ? lastError
            : error;
        }
      }
    } catch (error) {
      state.inFlight--;
      throw error;
    }
    return this.admit(state, tried, lastError, eligible);
  }

  /** The best endpoint not tried yet (or any, when all were tried and `mustSwitch` is false). */
  private select(
    tried: Set<EndpointState>,
    now: number,
    eligible: ((state: EndpointState) => boolean) | undefined,
    mustSwitch: boolean,
    ignoreBreakers = false,
  ): EndpointState | undefined {
    let best: EndpointState | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    let bestTried = true;
    let bestBlocked = true;
    for (const state of this.states) {
      if (eligible && !eligible(state)) continue;
      if (!ignoreBreakers && state.breaker && !state.breaker.canAttempt()) continue;
      const wasTried = tried.has(state);
      if (wasTried && mustSwitch) continue;
      const blocked = state.blockedUntil > now;
      // Prefer untried over tried, then unblocked over blocked, then the score (or the given order).
      const score = this.balanced ? ((state.inFlight + 1) * this.latencyOf(state, now)) / state.weight : 0;
      const better =
        best === undefined ||
        (bestTried && !wasTried) ||
        (bestTried === wasTried && bestBlocked && !blocked) ||
        (bestTried === wasTried && bestBlocked === blocked && score < bestScore);
      if (better) {
        best = state;
        bestScore = score;
        bestTried = wasTried;
        bestBlocked = blocked;
      }
    }
    return best;
  }

  private failureOf(error: unknown, attemptSignal: AbortSignal | undefined): VictorError {
    if (attemptSignal?.aborted) {
      // An attempt timeout or the caller's abort shows up as whatever the provider threw on abort.
      const reason = abortReason(attemptSignal);
      const typed = VictorErrorClass.isInstance(reason) ? reason : new AbortedError({ cause: reason });
      if (typed.code === 'TIMEOUT' || !VictorErrorClass.isInstance(error) || error.code === 'ABORTED')
        return typed;
    }
    return asVictorError(error);
  }

  private shouldRetry(
    error: VictorError,
    state: EndpointState,
    tried: Set<EndpointState>,
    outer: AbortSignal | undefined,
    callerSignal: AbortSignal | undefined,
  ): boolean {
    if (callerSignal?.aborted || outer?.aborted) return false;
    if (error.code === 'ABORTED') return false;
    if (isRetryableError(error)) return true;
    // Garbage from one endpoint: fall back to another one, never the same.
    if (error.code === 'INVALID_RESPONSE') {
      return this.states.some((other) => other !== state && !tried.has(other));
    }
    return false;
  }

  private recordFailure(state: EndpointState, error: VictorError, durationMs: number): void {
    const retryAfter = this.retryAfterOf(error);
    if (retryAfter !== undefined) state.blockedUntil = this.clock.now() + retryAfter;
    if (error.code === 'ABORTED' || !(isRetryableError(error) || error.code === 'INVALID_RESPONSE')) {
      // The caller's abort or a bad request says nothing about the endpoint.
      state.breaker?.onIgnored();
      return;
    }
    state.breaker?.onFailure(durationMs);
    // A failure makes the endpoint look slower, so balanced selection moves load away from it.
    const current = Math.max(this.latencyOf(state, this.clock.now()), 1);
    this.observeLatency(state, Math.max(durationMs, Math.min(current * 4, this.maxPenaltyMs)));
  }

  /** The latency estimate, decayed by how long the endpoint went without a sample; 1 ms when unknown. */
  private latencyOf(state: EndpointState, now: number): number {
    if (state.ewma === undefined) return 1;
    const idle = now - state.lastSampleAt;
    return idle <= 0 ? state.ewma : state.ewma * 0.5 ** (idle / this.halfLifeMs);
  }

  private observeLatency(state: EndpointState, sampleMs: number): void {
    const now = this.clock.now();
    state.ewma =
      state.ewma === undefined
        ? sampleMs
        : this.latencyOf(state, now) + this.alpha * (sampleMs - this.latencyOf(state, now));
    state.lastSampleAt = now;
  }

  private retryAfterOf(error: VictorError | undefined): number | undefined {
    const value = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    return typeof value === 'number' && value > 0 ? value : undefined;
  }

  private circuitOpenError(now: number): CircuitOpenError {
    let retryAt: number | undefined;
    for (const state of this.states) {
      const at = state.breaker?.retryAtMs;
      if (at !== undefined && (retryAt === undefined || at < retryAt)) retryAt = at;
    }
    const options: ConstructorParameters<typeof CircuitOpenError>[0] = {
      endpoint: this.id,
      message: `${this.id}: every endpoint's circuit is open${retryAt === undefined ? '' : `, the first half-opens in ${Math.max(0, Math.round(retryAt - now))} ms`}`,
    };
    if (retryAt !== undefined) options.retryAtMs = retryAt;
    return new CircuitOpenError(options);
  }

  private assertOpen(): void {
    if (this.closed) throw invalidOption('pool', 'open (close() was called)', this.id);
  }
}

/** Creates a pool over several providers; options are checked here. */
export function createProviderPool(options: ProviderPoolOptions): ProviderPool {
  return new ProviderPool(options);
}
