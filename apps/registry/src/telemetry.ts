// Imported first by main.ts: instrumentation must patch http before Nest and pg load.
import { startTelemetry } from '@settle/telemetry';
export const stopTelemetry = startTelemetry({ serviceName: 'registry' });
