// The demo (`npm start`): offline payments over sound through the four running services, with a
// summary on the console and a self-contained HTML report. scripts/demo.mjs starts the stack and runs
// the compiled entry points below; test/e2e imports the building blocks (./world).
export {
  createDemoTestCa,
  demoAndroidEvidence,
  demoAttestationPolicy,
  demoAttestor,
  type DemoTestCa,
  demoTestCaLabel,
} from './attestation/demo-test-ca';
export { type OtlpReceiver, startOtlpReceiver } from './otlp/otlp-receiver';
export { type CollectedSpan, spansFromOtlpJson } from './otlp/otlp-spans';
export { Progress, type ProgressOutput } from './progress/progress';
export { type DemoSummary, renderSummaryText, runSucceeded, summarize } from './report/summary';
export { feeOf, feeSchedule, fund } from './scenario/cast';
export {
  countsMax,
  countsMin,
  defaultCounts,
  type ScenarioCounts,
  type ScenarioResult,
} from './scenario/model';
export { runScenario } from './scenario/scenario';
export { demoAdminCredential, type DemoOptions, type DemoOutcome, runDemo } from './run-demo';
export * from './world';
