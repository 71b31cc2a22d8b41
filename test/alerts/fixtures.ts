import type { AlertPayload } from '../../src/alerts/alert-payload';

/** A WARNING duration alert as a sink receives it. */
export const PAYLOAD: AlertPayload = {
  pipeline: 'smvm',
  runId: 'run-1',
  stageId: 'ingest_data',
  level: 'WARNING',
  metric: 'stageDuration',
  value: 2000,
  threshold: 2000,
  expectedMs: 1000,
  factor: 2,
  message: 'Stage `ingest_data` has run 2000 ms, 2x its expected 1000 ms (WARNING)',
  timestamp: '2024-12-02T10:30:47.000Z',
};

/** Lets pending I/O callbacks run until `ready()` holds (at most `turns` event-loop turns). */
export async function until(ready: () => boolean, turns = 5000): Promise<void> {
  for (let i = 0; i < turns && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  if (!ready()) throw new Error('condition not reached');
}
