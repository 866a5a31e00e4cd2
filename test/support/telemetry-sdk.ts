import { type Attributes, SpanKind, context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Server } from 'node:http';
import { afterAll } from 'vitest';

/** One exported data point: its metric's name and unit, its attributes and its value. */
export interface Point {
  name: string;
  unit: string;
  attributes: Attributes;
  /** A counter's sum, or a histogram's count of recordings. */
  value: number;
}

export interface TelemetrySdk {
  spans: InMemorySpanExporter;
  /** The module's spans ended since the last `reset()`. */
  finishedSpans(): ReadableSpan[];
  /** The metric points recorded since the last `reset()` (delta temporality), nonzero ones only. */
  points(): Promise<Point[]>;
  /** Forgets every span and point so far. */
  reset(): Promise<void>;
  /**
   * Runs each request the server receives inside a server span of its own, as OpenTelemetry's
   * HTTP instrumentation does: whatever the app starts while handling it is that span's child.
   */
  traceRequests(server: unknown): void;
  /** The request spans started since the last `reset()`, as they started (they end after the response). */
  requests(): RequestSpan[];
}

export interface RequestSpan {
  name: string;
  traceId: string;
  spanId: string;
}

/**
 * Registers the OpenTelemetry SDK globally for this spec file, as an app would before creating
 * its Nest app: AsyncLocalStorage context, a tracer provider exporting to memory at once, and a
 * meter provider whose reader exports to memory only when the test flushes it.
 */
export function registerTelemetrySdk(): TelemetrySdk {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  trace.setGlobalTracerProvider(tracerProvider);
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  // Exports on forceFlush(); the interval is long enough never to fire during a test.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  afterAll(async () => {
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
    contextManager.disable();
    metrics.disable();
    trace.disable();
    context.disable();
  });

  const requests: RequestSpan[] = [];
  const points = async (): Promise<Point[]> => {
    await reader.forceFlush();
    const found: Point[] = [];
    for (const resourceMetrics of exporter.getMetrics()) {
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          for (const point of metric.dataPoints as DataPoint<number | Histogram>[]) {
            const value = typeof point.value === 'number' ? point.value : point.value.count;
            if (value !== 0) found.push({ name: metric.descriptor.name, unit: metric.descriptor.unit, attributes: point.attributes, value });
          }
        }
      }
    }
    exporter.reset();
    return found;
  };
  return {
    spans,
    finishedSpans: () => spans.getFinishedSpans().filter((span) => span.instrumentationScope.name !== REQUEST_SCOPE),
    traceRequests: (server) => traceRequests(server, requests),
    requests: () => [...requests],
    points,
    reset: async () => {
      await points();
      spans.reset();
      requests.length = 0;
    },
  };
}

const REQUEST_SCOPE = 'test-http-server';

function traceRequests(server: unknown, started: RequestSpan[]): void {
  const http = server as Server;
  const tracer = trace.getTracer(REQUEST_SCOPE);
  const listeners = http.listeners('request') as ((...args: unknown[]) => void)[];
  http.removeAllListeners('request');
  http.on('request', (request: { method?: string; url?: string }, response: { once(event: string, listener: () => void): void }) => {
    const name = `${request.method} ${request.url?.split('?')[0]}`;
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER });
    started.push({ name, ...span.spanContext() });
    response.once('close', () => span.end());
    context.with(trace.setSpan(context.active(), span), () => {
      for (const listener of listeners) listener.call(http, request, response);
    });
  });
}

/** Every string a span or point carries: names, attribute keys and values, status messages, events. */
export function everyString(spans: readonly ReadableSpan[], points: readonly Point[]): string[] {
  const strings: string[] = [];
  const ofAttributes = (attributes: Attributes) => {
    for (const [key, value] of Object.entries(attributes)) strings.push(key, ...[value].flat().map(String));
  };
  for (const span of spans) {
    strings.push(span.name, span.status.message ?? '');
    ofAttributes(span.attributes);
    for (const event of span.events) {
      strings.push(event.name);
      ofAttributes(event.attributes ?? {});
    }
  }
  for (const point of points) {
    strings.push(point.name);
    ofAttributes(point.attributes);
  }
  return strings;
}
