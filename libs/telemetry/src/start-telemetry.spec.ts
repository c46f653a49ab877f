import { traceExporterKind } from './start-telemetry';

describe('traceExporterKind', () => {
  it('exports nothing unless an endpoint or the console is asked for', () => {
    expect(traceExporterKind({})).toBe('none');
    expect(traceExporterKind({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(
      'otlp',
    );
    expect(
      traceExporterKind({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }),
    ).toBe('otlp');
    expect(traceExporterKind({ OTEL_TRACES_EXPORTER: 'console' })).toBe('console');
    expect(
      traceExporterKind({
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      }),
    ).toBe('none');
    expect(traceExporterKind({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe('none');
  });
});
