import { describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue } from '../../../helpers/prometheus.js';

const ok = `# HELP a_total Things.
# TYPE a_total counter
a_total{x="q\\"uote\\\\"} 3
# HELP h Times.
# TYPE h histogram
h_bucket{le="0.1"} 1
h_bucket{le="+Inf"} 2
h_sum 0.5
h_count 2
`;

describe('the strict Prometheus text parser of the tests', () => {
  it('reads samples, labels with escapes, and whole histograms', () => {
    const families = parsePrometheus(ok);
    expect(families.get('a_total')?.type).toBe('counter');
    expect(sampleValue(families, 'a_total', { x: 'q"uote\\' })).toBe(3);
    expect(sampleValue(families, 'h_count')).toBe(2);
  });

  it.each([
    ['a sample before its TYPE', 'a 1\n'],
    ['no newline at the end', ok.trimEnd()],
    ['a bad value', '# HELP a x\n# TYPE a gauge\na one\n'],
    ['a negative counter', '# HELP a x\n# TYPE a counter\na -1\n'],
    ['a second TYPE', '# HELP a x\n# TYPE a gauge\n# TYPE a gauge\na 1\n'],
    ['bad labels', '# HELP a x\n# TYPE a gauge\na{x=1} 1\n'],
    ['a +Inf bucket that is not the count', '# HELP h x\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'],
    ['buckets that go down', '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['samples of a family apart', '# HELP a x\n# TYPE a gauge\n# HELP b x\n# TYPE b gauge\na 1\nb 1\na{y="1"} 2\n'],
  ])('refuses %s', (_, text) => {
    expect(() => parsePrometheus(text)).toThrow();
  });
});
