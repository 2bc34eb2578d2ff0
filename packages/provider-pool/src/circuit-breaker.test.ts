import type { Clock } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  return { now: () => now, epochMs: () => now, advance: (ms) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('stays closed below the minimum number of calls', () => {
    const breaker = new CircuitBreaker({ minimumCalls: 5 });
    for (let i = 0; i < 4; i++) breaker.onFailure(1);
    expect(breaker.state).toBe('closed');
    breaker.onFailure(1);
    expect(breaker.state).toBe('open');
  });

  it('opens on the slow-call rate even when every call succeeds', () => {
    const breaker = new CircuitBreaker({
      windowSize: 4,
      minimumCalls: 4,
      slowCallDurationMs: 100,
      slowCallRateThreshold: 0.5,
    });
    breaker.onSuccess(10);
    breaker.onSuccess(10);
    breaker.onSuccess(150);
    expect(breaker.state).toBe('closed');
    breaker.onSuccess(150);
    expect(breaker.state).toBe('open');
  });

  it('forgets calls that slid out of the window', () => {
    const breaker = new CircuitBreaker({ windowSize: 4, minimumCalls: 4, failureRateThreshold: 0.75 });
    breaker.onFailure(1);
    breaker.onFailure(1);
    for (let i = 0; i < 4; i++) breaker.onSuccess(1);
    breaker.onFailure(1);
    breaker.onFailure(1);
    expect(breaker.state).toBe('closed');
  });

  it('half-opens after openDurationMs, limits probes, and reopens on a failed probe', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker({
      windowSize: 2,
      minimumCalls: 2,
      openDurationMs: 1_000,
      halfOpenProbes: 2,
      clock,
    });
    breaker.onFailure(1);
    breaker.onFailure(1);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryAtMs).toBe(1_000);
    clock.advance(1_000);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.onSuccess(1);
    breaker.onFailure(1);
    expect(breaker.state).toBe('open');
  });

  it('refuses bad options with the option name', () => {
    expect(() => new CircuitBreaker({ failureRateThreshold: 2 })).toThrow(
      'circuitBreaker.failureRateThreshold must be a number from 0 to 1, got 2',
    );
  });
});
