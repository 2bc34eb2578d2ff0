import type {
  ChatRequest,
  ChatResponse,
  Clock,
  CombinedSignal,
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
  InvalidRequestError,
  invalidOption,
  MetricNames,
  noopMetricsSink,
  systemClock,
  VictorError as VictorErrorClass,
} from '@victor-ai/core';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { optionalDuration, rate } from './options.js';
import type { BackoffOptions } from './retry.js';
import { countsAgainstEndpoint, RetryPolicy, type RetryPolicyOptions, retryAfterOf } from './retry-policy.js';

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
   * When every endpoint's circuit is open: `true` (default) fails at once with `CIRCUIT_OPEN` (its
   * `retryAtMs` says when the first endpoint half-opens; a half-open endpoint still gets its probes), so
   * that a failing upstream is not hammered; `false` still tries the best endpoint, as Envoy's panic mode
   * does, for setups where a brownout of every endpoint should not become an outage.
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

/** Name of the counter of retries (attempts after the first), labelled `pool` and `endpoint`: an alias of core's `MetricNames.providerRetries`. */
export const RETRIES_METRIC = MetricNames.providerRetries;

const NO_ENDPOINTS = 0;

/** An attempt that got its answer (or, for a stream, its first event), still counted in flight. */
interface Attempted<T> {
  value: T;
  state: EndpointState;
  /** The attempt's signal; `clearTimeout()` ends the attempt timeout, `dispose()` frees it. */
  signal: CombinedSignal | undefined;
  startedAt: number;
  /** Ends the attempt's in-flight count; idempotent. */
  release(): void;
}

/** What a stream attempt hands back once its first event arrived. */
interface OpenedStream {
  iterator: AsyncIterator<StreamEvent>;
  first: IteratorResult<StreamEvent>;
}

function asVictorError(error: unknown): VictorError {
  if (VictorErrorClass.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  // A stack overflow (a request nested thousands of levels deep) fails the same way on every endpoint.
  if (error instanceof RangeError) return new InvalidRequestError({ message, cause: error });
  return new ConnectionError({ message, cause: error });
}

/**
 * A `Provider` over several endpoints: picks one per attempt (weighted, least in flight, EWMA latency, or
 * a fixed fallback order), skips endpoints whose circuit breaker is open or whose `Retry-After` has not
 * passed, and retries by one `RetryPolicy` shared by `chat()`, `stream()` and `embed()`: failures that are
 * the endpoint's fault (retryable ones, undecodable answers) go to another endpoint when there is one, or
 * to the same one after backoff; an abort, a request error (`INVALID_REQUEST`, 4xx) or a stream whose first
 * event reached the caller is never retried. When every circuit is open it fails fast with `CIRCUIT_OPEN`
 * (a half-open endpoint still gets its probes), unless `failFastWhenAllOpen: false`.
 */
export class ProviderPool implements Provider {
  readonly id: string;
  /** The retry policy every call goes through. */
  readonly retryPolicy: RetryPolicy;
  private readonly states: EndpointState[];
  private readonly balanced: boolean;
  private readonly attemptTimeoutMs: number | undefined;
  private readonly deadlineMs: number | undefined;
  private readonly alpha: number;
  private readonly halfLifeMs: number;
  private readonly maxPenaltyMs: number;
  private readonly closeEndpoints: boolean;
  private readonly failFast: boolean;
  private readonly metrics: MetricsSink;
  private readonly clock: Clock;
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
    const policyOptions: RetryPolicyOptions = {};
    if (options.maxAttempts !== undefined) policyOptions.maxAttempts = options.maxAttempts;
    if (options.backoff !== undefined) policyOptions.backoff = options.backoff;
    if (options.maxRetryWaitMs !== undefined) policyOptions.maxRetryWaitMs = options.maxRetryWaitMs;
    if (options.random !== undefined) policyOptions.random = options.random;
    this.retryPolicy = new RetryPolicy(policyOptions);
    this.attemptTimeoutMs = optionalDuration('attemptTimeoutMs', options.attemptTimeoutMs);
    this.deadlineMs = optionalDuration('deadlineMs', options.deadlineMs);
    this.alpha = rate('ewmaAlpha', options.ewmaAlpha, 0.3);
    if (this.alpha === 0) throw invalidOption('ewmaAlpha', 'a number above 0 and at most 1', 0);
    this.halfLifeMs = optionalDuration('latencyHalfLifeMs', options.latencyHalfLifeMs) ?? 2_000;
    this.maxPenaltyMs = optionalDuration('maxFailurePenaltyMs', options.maxFailurePenaltyMs) ?? 10_000;
    this.closeEndpoints = options.closeEndpoints ?? true;
    const failFast = options.failFastWhenAllOpen ?? true;
    if (typeof failFast !== 'boolean') throw invalidOption('failFastWhenAllOpen', 'a boolean', failFast);
    this.failFast = failFast;
    this.metrics = options.metrics ?? noopMetricsSink;
    this.clock = options.clock ?? systemClock;
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
      provider.chat(
        abortSignal === undefined || abortSignal === request.abortSignal
          ? request
          : { ...request, abortSignal },
      ),
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
        provider.embed!(
          abortSignal === undefined || abortSignal === request.abortSignal
            ? request
            : { ...request, abortSignal },
        ),
    );
  }

  /**
   * Streams from the best endpoint. Opening the stream up to its first event is one attempt of the same
   * loop as `chat()`; once that event reached the caller the stream is never retried, and a later failure
   * arrives as the provider's `error` event. Breaking out of the loop cancels the request.
   */
  async *stream(request: ChatRequest): AsyncGenerator<StreamEvent, void, undefined> {
    this.assertOpen();
    const deadline = this.deadlineOf(request.abortSignal);
    try {
      const opened = await this.attempts<OpenedStream>(
        deadline?.signal ?? request.abortSignal,
        request.abortSignal,
        undefined,
        (provider, signal) =>
          openStream(
            provider,
            signal === undefined || signal === request.abortSignal
              ? request
              : { ...request, abortSignal: signal },
          ),
      );
      const { state } = opened;
      const { iterator } = opened.value;
      // The attempt timeout bounds the wait for the first event only.
      opened.signal?.clearTimeout();
      const firstEventMs = this.clock.now() - opened.startedAt;
      this.observeLatency(state, firstEventMs);
      let finished = false;
      try {
        let result = opened.value.first;
        let failed = false;
        while (!result.done) {
          if (result.value.type === 'error') failed = true;
          yield result.value;
          result = await iterator.next();
        }
        finished = true;
        if (failed) state.breaker?.onFailure(firstEventMs);
        else state.breaker?.onSuccess(firstEventMs);
      } finally {
        if (!finished) {
          // The caller stopped early, or the stream threw after delivering: no outcome for the breaker.
          state.breaker?.onIgnored();
          if (iterator.return) await iterator.return(undefined).catch(() => {});
        }
        opened.release();
        opened.signal?.dispose();
      }
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

  /** One whole non-streaming call: the attempt loop, then the success recorded and the attempt released. */
  private async run<T>(
    abortSignal: AbortSignal | undefined,
    eligible: ((state: EndpointState) => boolean) | undefined,
    call: (provider: Provider, abortSignal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    this.assertOpen();
    const deadline = this.deadlineOf(abortSignal);
    try {
      const done = await this.attempts(deadline?.signal ?? abortSignal, abortSignal, eligible, call);
      const duration = this.clock.now() - done.startedAt;
      this.observeLatency(done.state, duration);
      done.state.breaker?.onSuccess(duration);
      done.release();
      done.signal?.dispose();
      return done.value;
    } finally {
      deadline?.dispose();
    }
  }

  /**
   * The attempt loop shared by every call: pick an endpoint, wait what the policy asks, call, and on a
   * failure record it and ask the policy whether to go again. Resolves with the first successful attempt,
   * still counted in flight (the caller releases it); rejects with the failure the policy gave up on.
   */
  private async attempts<T>(
    outer: AbortSignal | undefined,
    callerSignal: AbortSignal | undefined,
    eligible: ((state: EndpointState) => boolean) | undefined,
    call: (provider: Provider, abortSignal: AbortSignal | undefined) => Promise<T>,
  ): Promise<Attempted<T>> {
    let tried: Set<EndpointState> | undefined;
    let lastError: VictorError | undefined;
    let lastState: EndpointState | undefined;
    for (let attempt = 1; ; attempt++) {
      // The first attempt is chosen synchronously: no promise unless there is a wait.
      let state = this.pick(tried, lastError, outer, eligible);
      let release = this.occupy(state);
      try {
        if (lastError !== undefined) {
          this.metrics.increment(RETRIES_METRIC, state.labels);
          await this.waitBeforeRetry(attempt - 1, state, lastState, lastError, outer);
        }
        const admitted = this.admit(state, tried, lastError, eligible);
        if (admitted !== state) {
          release();
          state = admitted;
          release = this.occupy(state);
        }
      } catch (error) {
        release();
        throw error;
      }
      // An AbortController costs several microseconds in undici; only an attempt timeout needs one.
      const signal =
        this.attemptTimeoutMs === undefined
          ? undefined
          : combineSignals([outer], { timeoutMs: this.attemptTimeoutMs });
      const attemptSignal = signal?.signal ?? outer;
      const startedAt = this.clock.now();
      try {
        const value = await call(state.provider, attemptSignal);
        return { value, state, signal, startedAt, release };
      } catch (error) {
        release();
        signal?.dispose();
        const failure = this.failureOf(error, attemptSignal);
        this.recordFailure(state, failure, this.clock.now() - startedAt);
        const aborted = callerSignal?.aborted === true || outer?.aborted === true;
        if (!this.retryPolicy.shouldRetry({ error: failure, attempt, delivered: false, aborted }))
          throw failure;
        lastError = failure;
        lastState = state;
        tried ??= new Set();
        tried.add(state);
      }
    }
  }

  /** Counts an attempt in flight on `state`; the returned function ends it, once. All in-flight accounting is here. */
  private occupy(state: EndpointState): () => void {
    state.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.inFlight--;
    };
  }

  /** The request deadline, combined with the caller's signal; `undefined` without `deadlineMs`. */
  private deadlineOf(abortSignal: AbortSignal | undefined): CombinedSignal | undefined {
    return this.deadlineMs ? combineSignals([abortSignal], { timeoutMs: this.deadlineMs }) : undefined;
  }

  /**
   * The best endpoint for an attempt: untried before tried (so a retry goes elsewhere when it can, and to
   * the same endpoint after backoff when it cannot); throws when nothing may be tried.
   */
  private pick(
    tried: Set<EndpointState> | undefined,
    lastError: VictorError | undefined,
    outer: AbortSignal | undefined,
    eligible: ((state: EndpointState) => boolean) | undefined,
  ): EndpointState {
    if (outer?.aborted) throw abortReason(outer);
    const now = this.clock.now();
    let state = this.select(tried, now, eligible);
    // Every circuit open: fail fast, or (opted in) panic mode tries the best endpoint anyway.
    if (state === undefined && !this.failFast) state = this.select(tried, now, eligible, true);
    if (state === undefined) throw lastError ?? this.circuitOpenError(now);
    return state;
  }

  /** Takes the picked endpoint's breaker permission, or switches to another endpoint that gives one. */
  private admit(
    state: EndpointState,
    tried: Set<EndpointState> | undefined,
    lastError: VictorError | undefined,
    eligible: ((state: EndpointState) => boolean) | undefined,
  ): EndpointState {
    if (!state.breaker || state.breaker.tryAcquire()) return state;
    // Its half-open probes were taken while this attempt waited: another endpoint, or fail fast.
    const other = this.select(tried, this.clock.now(), eligible);
    if (other !== undefined && (!other.breaker || other.breaker.tryAcquire())) return other;
    if (!this.failFast) return state;
    throw lastError ?? this.circuitOpenError(this.clock.now());
  }

  /** Waits what the retry policy asks before retry number `retry` on `state`. */
  private async waitBeforeRetry(
    retry: number,
    state: EndpointState,
    lastState: EndpointState | undefined,
    lastError: VictorError,
    outer: AbortSignal | undefined,
  ): Promise<void> {
    const blockedForMs = state.blockedUntil - this.clock.now();
    const wait = this.retryPolicy.retryDelay(retry, state === lastState, lastError, blockedForMs);
    // A server that asks for a long pause gets its answer passed on rather than a request held for it.
    if (wait === undefined) throw lastError;
    if (wait <= 0) return;
    try {
      await delay(wait, outer ? { abortSignal: outer } : {});
    } catch (error) {
      // The deadline or the caller ended the wait: report why, with the failure that led to it.
      throw VictorErrorClass.isInstance(error) && error.code === 'TIMEOUT' ? lastError : error;
    }
  }

  /** The best eligible endpoint: untried before tried, unblocked before blocked, then by score or order. */
  private select(
    tried: Set<EndpointState> | undefined,
    now: number,
    eligible: ((state: EndpointState) => boolean) | undefined,
    ignoreBreakers = false,
  ): EndpointState | undefined {
    let best: EndpointState | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    let bestTried = true;
    let bestBlocked = true;
    for (const state of this.states) {
      if (eligible && !eligible(state)) continue;
      if (!ignoreBreakers && state.breaker && !state.breaker.canAttempt()) continue;
      const wasTried = tried?.has(state) === true;
      const blocked = state.blockedUntil > now;
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

  private recordFailure(state: EndpointState, error: VictorError, durationMs: number): void {
    const retryAfter = retryAfterOf(error);
    if (retryAfter !== undefined) state.blockedUntil = this.clock.now() + retryAfter;
    if (!countsAgainstEndpoint(error)) {
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

/** Opens a stream up to its first event; an `error` first event is the attempt's failure. */
async function openStream(provider: Provider, request: ChatRequest): Promise<OpenedStream> {
  const iterator = provider.stream(request)[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (!first.done && first.value.type === 'error') {
    if (iterator.return) await iterator.return(undefined).catch(() => {});
    throw first.value.error;
  }
  return { iterator, first };
}

/** Creates a pool over several providers; options are checked here. */
export function createProviderPool(options: ProviderPoolOptions): ProviderPool {
  return new ProviderPool(options);
}
