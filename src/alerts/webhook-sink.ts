import type { Clock } from '../clock';
import { DagbookError, errorMessage, isDagbookError, type ErrorClass } from '../errors';
import { retryPolicy } from '../execute/retry-policy';
import type { PlanWebhookSink } from '../plan/plan';
import type { RandomSource } from '../random';
import type { AlertPayload } from './alert-payload';
import type { AlertSink } from './alert-sink';

/**
 * Posts each alert as JSON to a URL. A post that fails for a reason that may
 * pass — no connection, a timeout, 408, 429 or a 5xx answer — is retried
 * with the stages' own retry loop (exponential backoff with jitter, waits on
 * the injected clock); any other 4xx is not (the request itself is wrong).
 * Each post has its own timeout, on the same clock. Node's `fetch` does the
 * HTTP: no library is needed for one POST.
 */

/** See the module comment. */
export class WebhookSink implements AlertSink {
  readonly name: string;

  constructor(
    private readonly sink: PlanWebhookSink,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {
    this.name = `webhook ${urlWithoutQuery(sink.url)}`;
  }

  async deliver(payload: AlertPayload, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(payload);
    const policy = retryPolicy({ retry: this.sink.retry, clock: this.clock, random: this.random, classify });
    await policy.execute(({ attempt, signal: attemptSignal }) => this.post(body, attempt, attemptSignal), { attempt: 1, signal });
  }

  /** One POST under the sink's timeout. */
  private async post(body: string, attempt: number, signal: AbortSignal): Promise<void> {
    const request = new AbortController();
    const timer = new AbortController();
    const onAbort = () => request.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    this.clock.sleep(this.sink.timeoutMs, timer.signal).then(
      () => {
        timedOut = true;
        request.abort();
      },
      () => undefined,
    );
    try {
      const response = await fetch(this.sink.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.sink.headers },
        body,
        signal: request.signal,
      });
      // Read to the end, so the connection is free for the next post.
      await response.arrayBuffer();
      if (!response.ok) {
        throw this.failed(`answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''} (attempt ${attempt})`, response.status);
      }
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (isDagbookError(error)) throw error;
      throw this.failed(timedOut ? `did not answer within ${this.sink.timeoutMs} ms (attempt ${attempt})` : `could not be reached: ${errorMessage(error)} (attempt ${attempt})`, undefined, error);
    } finally {
      timer.abort();
      signal.removeEventListener('abort', onAbort);
    }
  }

  private failed(what: string, status: number | undefined, cause?: unknown): DagbookError {
    return new DagbookError('ALERT_DELIVERY_FAILED', `Alert sink \`${this.name}\` ${what}`, {
      errorClass: status === undefined || isTransientStatus(status) ? 'transient' : 'persistent',
      data: { sink: this.name, ...(status === undefined ? {} : { status }) },
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/** Statuses worth another try: request timeout, too many requests, any server error. */
function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function classify(error: unknown): ErrorClass {
  return isDagbookError(error) && error.errorClass !== undefined ? error.errorClass : 'transient';
}

/** The URL without its query and fragment, which may carry a token: what messages show. */
function urlWithoutQuery(url: string): string {
  return url.replace(/[?#].*$/, '');
}
