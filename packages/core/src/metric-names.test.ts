import { describe, expect, it } from 'vitest';
import { MetricNames, standardMetricDefinitions } from './metric-names.js';

const METRIC_NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

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

  it('should give label names that are valid, unique per metric and not reserved by histograms', () => {
    for (const definition of standardMetricDefinitions) {
      expect(new Set(definition.labelNames).size).toBe(definition.labelNames.length);
      for (const label of definition.labelNames) {
        expect(label).toMatch(LABEL_NAME_PATTERN);
        expect(['le', 'quantile']).not.toContain(label);
      }
    }
  });
});
