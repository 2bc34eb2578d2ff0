import { describe, expect, it } from 'vitest';
import { METRIC_NAME_PATTERN } from './exposition-text.js';
import { MetricNames, standardMetricDefinitions } from './metric-names.js';

describe('MetricNames', () => {
  it('should hold valid, unique Prometheus names with the victor_ prefix', () => {
    const names = Object.values(MetricNames);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(METRIC_NAME_PATTERN);
      expect(name.startsWith('victor_')).toBe(true);
    }
  });

  it('should have exactly one definition per name, in the same order', () => {
    expect(standardMetricDefinitions.map((definition) => definition.name)).toEqual(
      Object.values(MetricNames),
    );
  });

  it('should follow Prometheus naming: counters end in _total, histograms in _seconds, others not in _total', () => {
    for (const definition of standardMetricDefinitions) {
      if (definition.type === 'counter') expect(definition.name).toMatch(/_total$/);
      else expect(definition.name).not.toMatch(/_total$/);
      if (definition.type === 'histogram') expect(definition.name).toMatch(/_seconds$/);
      expect(definition.help.length).toBeGreaterThan(0);
    }
  });
});
