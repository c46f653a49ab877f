import {
  envelope,
  escapeXml,
  histogramSvg,
  isDatabaseSpan,
  phasesOf,
  soundSegments,
  type WaterfallSpan,
  waterfallRows,
  waterfallSvg,
  waveformSvg,
} from './svg';

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('histogramSvg', () => {
  it('draws one bar per bin, the markers, and nothing external', () => {
    const svg = histogramSvg(
      [
        { from: 0, to: 100, count: 3 },
        { from: 100, to: 200, count: 0 },
        { from: 200, to: 300, count: 1 },
      ],
      {
        unit: ' ms',
        markers: [
          { value: 50, label: 'p50 50 ms' },
          { value: 290, label: 'p99 290 ms' },
        ],
      },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(count(svg, /class="bar"/g)).toBe(3);
    expect(count(svg, /class="marker"/g)).toBe(2);
    expect(svg).toContain('p99 290 ms');
    // The tallest bar fills the plot; the empty one has no height.
    expect(svg).toMatch(/<rect class="bar" x="[\d.]+" y="28" width="[\d.]+" height="192"/);
    expect(svg).toMatch(/<rect class="bar" x="[\d.]+" y="220" width="[\d.]+" height="0"/);
  });

  it('says so when there is nothing to draw', () => {
    expect(histogramSvg([])).toContain('no values');
  });
});

describe('waveform', () => {
  const rate = 1_000;
  const tone = (seconds: number) =>
    Array.from({ length: seconds * rate }, (_, index) => 0.25 * Math.sin(index));
  const silence = (seconds: number) => new Array<number>(Math.round(seconds * rate)).fill(0);

  it('keeps each column’s lowest and highest sample', () => {
    expect(envelope([0, 0.5, -0.25, 0.1, -0.75, 0.2], 3)).toEqual([
      [0, 0.5],
      [-0.25, 0.1],
      [-0.75, 0.2],
    ]);
    expect(() => envelope([1], 0)).toThrow(RangeError);
  });

  it('finds the stretches of sound between silences, not splitting at short gaps', () => {
    const samples = [
      ...silence(0.5),
      ...tone(1),
      ...silence(0.05),
      ...tone(0.5),
      ...silence(0.3),
      ...tone(0.5),
      ...silence(0.2),
    ];
    const segments = soundSegments(samples, rate);
    expect(segments).toHaveLength(2);
    expect(segments[0]!.startS).toBeCloseTo(0.5, 1);
    expect(segments[0]!.endS).toBeCloseTo(2.05, 1);
    expect(segments[1]!.startS).toBeCloseTo(2.35, 1);
    expect(soundSegments(silence(1), rate)).toEqual([]);
  });

  it('labels each segment and draws the envelope as one path', () => {
    const samples = [
      ...silence(0.5),
      ...tone(1),
      ...silence(0.3),
      ...tone(1),
      ...silence(0.3),
      ...tone(1),
    ];
    const svg = waveformSvg(samples, rate, {
      segmentLabel: (index, total) =>
        index === 0 ? 'authorization' : `device credential ${index}/${total - 1}`,
    });
    expect(count(svg, /class="segment"/g)).toBe(3);
    expect(svg).toContain('>authorization<');
    expect(svg).toContain('>device credential 2/2<');
    expect(count(svg, /class="wave"/g)).toBe(1);
  });
});

/** The spans of one payment as the services export them (names as the instrumentation makes them). */
function paymentTrace(): WaterfallSpan[] {
  const span = (
    spanId: string,
    parentSpanId: string | null,
    service: string,
    name: string,
    startMs: number,
    endMs: number,
  ): WaterfallSpan => ({ spanId, parentSpanId, service, name, startMs, endMs });
  return [
    span('a', null, 'demo terminal', 'POST /v1/uploads: one payment', 0, 470),
    span('b', 'a', 'verifier', 'POST', 20, 440),
    span('c', 'b', 'verifier', 'pg.query:INSERT settle_verifier', 30, 40),
    span('d', 'b', 'verifier', 'send payments.uploaded.v1', 400, 410),
    span('e', 'd', 'verifier', 'process payments.uploaded.v1', 450, 820),
    span('f', 'e', 'verifier', 'pg.query:SELECT settle_verifier', 460, 500),
    span('g', 'e', 'verifier', 'send payments.verified.v1', 800, 810),
    span('h', 'g', 'ledger', 'process payments.verified.v1', 830, 950),
    span('i', 'h', 'ledger', 'send payments.settlements.v1', 940, 945),
    span('j', 'i', 'verifier', 'process payments.settlements.v1', 960, 1_000),
    span('k', 'z-missing', 'verifier', 'an orphan', 1_100, 1_200),
    span(
      'l',
      null,
      'demo terminal',
      'GET /v1/transactions/{id}: reads the signed confirmation',
      1_010,
      1_040,
    ),
  ];
}

describe('the trace waterfall', () => {
  it('puts each span in the step it starts or continues', () => {
    const phases = phasesOf(paymentTrace());
    expect(Object.fromEntries(phases)).toEqual({
      a: 'upload',
      b: 'upload',
      c: 'upload',
      d: 'upload',
      e: 'verification',
      f: 'verification',
      g: 'verification',
      h: 'settlement',
      i: 'settlement',
      j: 'confirmation',
      l: 'confirmation',
      k: 'other',
    });
  });

  it('folds database spans into the row of the span that made them, in tree order', () => {
    const rows = waterfallRows(paymentTrace());
    expect(
      rows.map(({ span, depth, folded }) => [
        span.spanId,
        depth,
        folded.map((query) => query.spanId),
      ]),
    ).toEqual([
      ['a', 0, []],
      ['b', 1, ['c']],
      ['d', 2, []],
      ['e', 3, ['f']],
      ['g', 4, []],
      ['h', 5, []],
      ['i', 6, []],
      ['j', 7, []],
      ['l', 0, []],
      ['k', 0, []],
    ]);
    expect(isDatabaseSpan({ name: 'SELECT', attributes: { 'db.system': 'postgresql' } })).toBe(
      true,
    );
  });

  it('draws a row per span with its step, and says when no span arrived', () => {
    const svg = waterfallSvg(paymentTrace());
    expect(count(svg, /<g class="span"/g)).toBe(10);
    expect(count(svg, /class="db"/g)).toBe(2);
    for (const phase of ['upload', 'verification', 'settlement', 'confirmation'])
      expect(svg).toContain(`data-phase="${phase}"`);
    expect(waterfallSvg([])).toContain('no spans arrived');
  });

  it('escapes what it writes', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    const svg = waterfallSvg([
      {
        spanId: 'a',
        parentSpanId: null,
        service: 'svc<1>',
        name: 'GET /?a=1&b=<2>',
        startMs: 0,
        endMs: 1,
      },
    ]);
    expect(svg).not.toContain('<1>');
    expect(svg).toContain('svc&lt;1&gt;');
  });
});
