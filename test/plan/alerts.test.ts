import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { resolveAlerts } from '../../src/plan/alerts';
import { compilePipeline } from '../../src/plan/compile';

describe('resolveAlerts', () => {
  describe('when a pipeline sets no alerts', () => {
    it("fills in the SMVM table's thresholds, no sink and a 10 s drain", () => {
      assert.deepEqual(resolveAlerts(undefined), {
        thresholds: {
          stageDuration: { warning: 2, critical: 5 },
          retries: { warning: 3, critical: 5 },
          tokenUse: { warning: 0.8, critical: 0.95 },
          itemFailureRate: { warning: 0.1, critical: 0.25 },
        },
        sinks: [],
        drainMs: 10_000,
      });
    });
  });

  describe('when a pipeline sets some thresholds and sinks', () => {
    it('keeps the other level of a metric it half sets, and fills in each sink', () => {
      const alerts = resolveAlerts({
        thresholds: { tokenUse: { warning: 0.5 } },
        sinks: [
          { kind: 'webhook', url: 'https://hooks.example.com/a', retry: { maxAttempts: 2 } },
          { kind: 'command', command: 'notify-send dagbook' },
        ],
        drainMs: 2000,
      });
      assert.deepEqual(alerts.thresholds.tokenUse, { warning: 0.5, critical: 0.95 });
      assert.deepEqual(alerts.sinks, [
        { kind: 'webhook', url: 'https://hooks.example.com/a', headers: {}, retry: { maxAttempts: 2, baseDelayMs: 1000, maxDelayMs: 30000, jitter: 0.2, minDelayMs: 100, retryOn: ['transient'] }, timeoutMs: 10_000 },
        { kind: 'command', command: 'notify-send dagbook', timeoutMs: 30_000 },
      ]);
      assert.equal(alerts.drainMs, 2000);
    });
  });

  describe('when compiled', () => {
    it('puts the resolved alerts and a declared expected duration in the plan', () => {
      const { plan } = compilePipeline({ name: 'p', alerts: { thresholds: { retries: { warning: 1 } } }, stages: [{ id: 'a', expectedDurationMs: 1500, run: () => 1 }] });
      assert.deepEqual(plan.alerts?.thresholds.retries, { warning: 1, critical: 5 });
      assert.equal(plan.stages.a.expectedDurationMs, 1500);
    });

    it('refuses a warning above its critical and an unknown sink kind, naming each', () => {
      assert.throws(
        () =>
          compilePipeline({
            name: 'p',
            // @ts-expect-error an unknown sink kind
            alerts: { thresholds: { stageDuration: { warning: 6, critical: 5 } }, sinks: [{ kind: 'email', to: 'ops@example.com' }] },
            stages: [{ id: 'a', run: () => 1 }],
          }),
        (e: unknown) => {
          assert.ok(hasErrorCode(e, 'PLAN_INVALID'));
          const issues = (e.data.issues as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`);
          assert.deepEqual(issues, [
            'alerts.thresholds.stageDuration.warning: Expected `alerts.thresholds.stageDuration.warning` to be a number <= `critical` (5), got `6`',
            'alerts.sinks.0.kind: Expected `alerts.sinks.0.kind` to be `webhook` or `command`, got `"email"`',
          ]);
          return true;
        },
      );
    });
  });
});
