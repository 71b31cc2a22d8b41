import { strict as assert } from 'node:assert';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookSink } from '../../src/alerts/webhook-sink';
import { ManualClock } from '../../src/clock';
import { hasErrorCode } from '../../src/errors';
import { DEFAULT_WEBHOOK_RETRY } from '../../src/plan/defaults';
import { seededRandom } from '../../src/random';
import { PAYLOAD, until } from './fixtures';

interface Received {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A receiver on 127.0.0.1 that answers the n-th request with `statuses[n]` (the last one after). */
async function receiver(statuses: readonly number[]): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.statusCode = statuses[Math.min(received.length, statuses.length) - 1];
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hooks/dagbook`, received };
}

describe('WebhookSink', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    // fetch keeps its connections alive: close them, or `close` waits for their idle timeout.
    server.closeAllConnections();
  }));

  describe('when the receiver fails the first post with 503', () => {
    it('waits the jittered backoff on the clock and posts the alert again, which is accepted', async () => {
      const r = await receiver([503, 204]);
      server = r.server;
      const clock = new ManualClock(0);
      const sink = new WebhookSink({ kind: 'webhook', url: `${r.url}?token=s3cret`, headers: { authorization: 'Bearer t' }, retry: DEFAULT_WEBHOOK_RETRY, timeoutMs: 10_000 }, clock, seededRandom(7));
      const delivered = sink.deliver(PAYLOAD, new AbortController().signal);
      // The first post is answered; the sink then sleeps its backoff (its timeout timer is gone).
      await until(() => r.received.length === 1 && clock.sleeps.length === 2 && clock.pending === 1);
      await clock.advanceToNext();
      await delivered;
      assert.equal(sink.name, `webhook ${r.url}`);
      assert.deepEqual(clock.sleeps, [10_000, 805, 10_000]);
      assert.equal(r.received.length, 2);
      for (const req of r.received) {
        assert.equal(req.method, 'POST');
        assert.equal(req.url, '/hooks/dagbook?token=s3cret');
        assert.equal(req.headers['content-type'], 'application/json');
        assert.equal(req.headers.authorization, 'Bearer t');
        assert.deepEqual(JSON.parse(req.body), PAYLOAD);
      }
    });
  });

  describe('when the receiver refuses the alert with 400', () => {
    it('does not retry and fails with ALERT_DELIVERY_FAILED naming the sink without its query', async () => {
      const r = await receiver([400]);
      server = r.server;
      const clock = new ManualClock(0);
      const sink = new WebhookSink({ kind: 'webhook', url: `${r.url}?token=s3cret`, headers: {}, retry: DEFAULT_WEBHOOK_RETRY, timeoutMs: 10_000 }, clock, seededRandom(7));
      await assert.rejects(sink.deliver(PAYLOAD, new AbortController().signal), (e: unknown) => {
        assert.ok(hasErrorCode(e, 'ALERT_DELIVERY_FAILED'));
        assert.equal(e.message, `Alert sink \`webhook ${r.url}\` answered 400 Bad Request (attempt 1)`);
        assert.deepEqual(e.data, { sink: `webhook ${r.url}`, status: 400 });
        return true;
      });
      assert.equal(r.received.length, 1);
    });
  });

  describe('when the receiver never answers', () => {
    it('gives each post its timeout on the clock and fails after the last attempt', async () => {
      const requests: unknown[] = [];
      server = createServer((req) => requests.push(req.url));
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const clock = new ManualClock(0);
      const retry = { ...DEFAULT_WEBHOOK_RETRY, maxAttempts: 2, jitter: 0 };
      const sink = new WebhookSink({ kind: 'webhook', url, headers: {}, retry, timeoutMs: 5000 }, clock, seededRandom(7));
      const delivered = sink.deliver(PAYLOAD, new AbortController().signal);
      const outcome = delivered.then(
        () => 'delivered',
        (e: unknown) => (e as Error).message,
      );
      await until(() => requests.length === 1);
      await clock.advanceToNext(); // the first post's timeout
      await until(() => clock.pending === 1 && clock.sleeps.length === 2);
      await clock.advanceToNext(); // the backoff
      await until(() => requests.length === 2);
      await clock.advanceToNext(); // the second post's timeout
      assert.equal(await outcome, `Alert sink \`webhook ${url}\` did not answer within 5000 ms (attempt 2)`);
      assert.deepEqual(clock.sleeps, [5000, 1000, 5000]);
    });
  });
});
