import type { MetricLabels } from '@victor-ai/core';

/** Valid Prometheus metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export const METRIC_NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Valid Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*`, and not starting with `__` (reserved). */
export const LABEL_NAME_PATTERN = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value for the text exposition format: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/[\\"\n]/g, escapeCharacter) : value;
}

/** Escapes HELP text for the text exposition format: backslash and line feed. */
export function escapeHelp(text: string): string {
  return /[\\\n]/.test(text) ? text.replace(/[\\\n]/g, escapeCharacter) : text;
}

function escapeCharacter(character: string): string {
  return character === '\n' ? '\\n' : `\\${character}`;
}

/** Formats a sample value the way Prometheus parses it (`+Inf`, `-Inf`, `NaN`, Go float syntax). */
export function formatSampleValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  return String(value);
}

/**
 * The canonical text of a label set: names sorted, values escaped, `name="value"` joined by commas, which is
 * also how the series appears between braces in the exposition. Returns `undefined` for an invalid label name
 * (or `le`/`quantile` on a histogram).
 */
export function canonicalLabelText(labels: MetricLabels, histogram = false): string | undefined {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  names.sort();
  let text = '';
  for (const name of names) {
    if (!LABEL_NAME_PATTERN.test(name)) return undefined;
    // `le` and `quantile` are written by the exposition of histograms and summaries.
    if (histogram && (name === 'le' || name === 'quantile')) return undefined;
    const value = labels[name];
    text += `${text === '' ? '' : ','}${name}="${escapeLabelValue(String(value))}"`;
  }
  return text;
}
