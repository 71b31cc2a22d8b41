import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandSink } from '../../src/alerts/command-sink';
import { ManualClock, systemClock } from '../../src/clock';
import { hasErrorCode } from '../../src/errors';
import { PAYLOAD, until } from './fixtures';

describe('CommandSink', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dagbook-command-sink-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('when the command is a shell command line', () => {
    it('gives it the alert as JSON on stdin and as DAGBOOK_ALERT_* variables', async () => {
      const out = join(dir, 'alert');
      const sink = new CommandSink({ kind: 'command', command: `cat > '${out}.json' && printf '%s|%s|%s|%s|%s|%s' "$DAGBOOK_ALERT_LEVEL" "$DAGBOOK_ALERT_METRIC" "$DAGBOOK_ALERT_VALUE" "$DAGBOOK_ALERT_THRESHOLD" "$DAGBOOK_ALERT_STAGE" "$DAGBOOK_ALERT_PIPELINE" > '${out}.env'`, timeoutMs: 30_000 }, systemClock);
      await sink.deliver(PAYLOAD, new AbortController().signal);
      assert.deepEqual(JSON.parse(readFileSync(`${out}.json`, 'utf8')), PAYLOAD);
      assert.equal(readFileSync(`${out}.env`, 'utf8'), 'WARNING|stageDuration|2000|2000|ingest_data|smvm');
    });
  });

  describe('when the command is a program with args', () => {
    it('runs it without a shell', async () => {
      const out = join(dir, 'argv.json');
      const script = "const fs=require('fs');fs.writeFileSync(process.argv[1],JSON.stringify({argv:process.argv.slice(1),run:process.env.DAGBOOK_ALERT_RUN_ID,stdin:JSON.parse(fs.readFileSync(0,'utf8')).level}))";
      const sink = new CommandSink({ kind: 'command', command: process.execPath, args: ['-e', script, out, '$HOME'], timeoutMs: 30_000 }, systemClock);
      await sink.deliver(PAYLOAD, new AbortController().signal);
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { argv: [out, '$HOME'], run: 'run-1', stdin: 'WARNING' });
    });
  });

  describe('when the command fails', () => {
    it('fails with ALERT_DELIVERY_FAILED quoting its status and stderr', async () => {
      const sink = new CommandSink({ kind: 'command', command: 'echo "no route to pager" >&2; exit 3', timeoutMs: 30_000 }, systemClock);
      await assert.rejects(sink.deliver(PAYLOAD, new AbortController().signal), (e: unknown) => {
        assert.ok(hasErrorCode(e, 'ALERT_DELIVERY_FAILED'));
        assert.equal(e.message, 'Alert sink `command echo "no route to pager" >&2; exit 3` exited with status 3: no route to pager');
        return true;
      });
    });
  });

  describe('when the command outlives its timeout', () => {
    it('kills it when the timeout passes on the clock', async () => {
      const clock = new ManualClock(0);
      const sink = new CommandSink({ kind: 'command', command: 'sleep 30', timeoutMs: 2000 }, clock);
      const outcome = sink.deliver(PAYLOAD, new AbortController().signal).then(
        () => 'delivered',
        (e: unknown) => (e as Error).message,
      );
      await until(() => clock.pending === 1);
      await clock.advance(2000);
      assert.equal(await outcome, 'Alert sink `command sleep 30` did not finish within 2000 ms and was killed');
    });
  });
});
