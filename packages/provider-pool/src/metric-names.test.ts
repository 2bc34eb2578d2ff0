import type { MetricLabels, MetricsSink } from '@victor-ai/core';
import { MetricNames, standardMetricDefinitions } from '@victor-ai/core';
import { describe, expect, it } from 'vitest';
import { request, ScriptedProvider, unavailable } from './__fixtures__/scripted-provider.js';
import { CIRCUIT_STATE_METRIC, CIRCUIT_TRANSITIONS_METRIC } from './circuit-breaker.js';
import { CONNECTIONS_OPENED } from './http-provider.js';
import { createProviderPool, RETRIES_METRIC } from './provider-pool.js';

/** Fails the first `failures` calls with a retryable 503, then answers. */
function flaky(id: string, failures: number): ScriptedProvider {
  return new ScriptedProvider(id, Array.from({ length: failures }, unavailable));
}

describe('metric names', () => {
  it('the exported constants are aliases of core MetricNames', () => {
    expect(CIRCUIT_STATE_METRIC).toBe(MetricNames.circuitState);
    expect(CIRCUIT_TRANSITIONS_METRIC).toBe(MetricNames.circuitStateChanges);
    expect(RETRIES_METRIC).toBe(MetricNames.providerRetries);
    expect(CONNECTIONS_OPENED).toBe(MetricNames.providerConnectionsOpened);
  });

  it('every series the pool reports is a core standard metric with exactly its documented labels', async () => {
    const reported: Array<[string, MetricLabels | undefined]> = [];
    const metrics: MetricsSink = {
      increment: (name, labels) => reported.push([name, labels]),
      gauge: (name, _value, labels) => reported.push([name, labels]),
      observe: (name, _value, labels) => reported.push([name, labels]),
    };
    const pool = createProviderPool({
      endpoints: [{ provider: flaky('a', 4) }, { provider: flaky('b', 0) }],
      selection: 'ordered',
      maxAttempts: 2,
      backoff: { initialDelayMs: 0, maxDelayMs: 0 },
      circuitBreaker: { windowSize: 2, minimumCalls: 2, failureRateThreshold: 0.5, openDurationMs: 60_000 },
      metrics,
    });
    for (let i = 0; i < 3; i++) await pool.chat(request);
    await pool.close();

    const names = new Set(reported.map(([name]) => name));
    expect(names).toContain(MetricNames.providerRetries);
    expect(names).toContain(MetricNames.circuitState);
    expect(names).toContain(MetricNames.circuitStateChanges);
    for (const [name, labels] of reported) {
      const definition = standardMetricDefinitions.find((d) => d.name === name);
      expect(definition, name).toBeDefined();
      expect(Object.keys(labels ?? {}).sort(), name).toEqual([...definition!.labelNames].sort());
    }
  });
});
