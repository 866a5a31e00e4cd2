import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';

// Exporters that accept everything and send it nowhere: the variant measures what recording
// costs the server, not a collector's network round trips.
const SUCCESS = { code: 0 };
const spanSink: SpanExporter = {
  export: (_spans, done) => done(SUCCESS),
  shutdown: async () => {},
};
const metricSink: PushMetricExporter = {
  export: (_metrics, done) => done(SUCCESS),
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
  forceFlush: async () => {},
  shutdown: async () => {},
};

/**
 * The OpenTelemetry SDK as a production app registers it before creating its Nest app: an
 * AsyncLocalStorage context, spans batched, metrics collected every 10 seconds.
 */
export function registerTelemetrySdk(): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: spanSink })] }));
  const reader = new PeriodicExportingMetricReader({ exporter: metricSink, exportIntervalMillis: 10_000 });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
}
