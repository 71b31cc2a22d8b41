import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkbench } from '../../src/notebook/workbench';

/**
 * The live progress display, through tslab's real display objects: only the
 * kernel's transport (`lastWriteDisplayData`) is replaced by a recorder, as a
 * tslab kernel would install its own.
 */
interface DisplayCall {
  readonly update: boolean;
  readonly id: unknown;
  readonly html: string;
}

describe('Workbench.run in a notebook', function () {
  this.timeout(30_000);
  const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
  let calls: DisplayCall[];
  let stateDir: string;

  beforeEach(() => {
    calls = [];
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-live-'));
    jupyter.lastWriteDisplayData = (msg: { data: Record<string, string>; transient: { display_id: unknown } }, update: boolean) => {
      calls.push({ update, id: msg.transient.display_id, html: msg.data['text/html'] ?? '' });
    };
  });

  afterEach(() => {
    jupyter.lastWriteDisplayData = null;
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  describe('when a stage runs for a while without reporting', () => {
    it('updates one display in place, keeps it moving, and ends on the finished view', async () => {
      const wb = await openWorkbench(
        {
          name: 'live',
          stages: [
            { id: 'quiet', run: () => new Promise((resolve) => setTimeout(() => resolve('done'), 2000)) },
            { id: 'after', deps: ['quiet'], run: () => 'after' },
          ],
        },
        { stateDir, refreshMs: 50 },
      );
      const result = await wb.run();
      assert.equal(result.status, 'SUCCEEDED');
      const progress = calls.filter((c) => c.id !== undefined);
      assert.ok(progress.length >= 3, `${progress.length} progress draws`);
      assert.ok(!progress[0].update, 'the first draw creates the display');
      assert.ok(progress.slice(1).every((c) => c.update && c.id === progress[0].id), 'later draws update the same display');
      // While `quiet` ran (about 2 s, no events), the view was redrawn with time moving.
      const whileQuiet = progress.filter((c) => />running</.test(c.html));
      assert.ok(whileQuiet.length >= 2, `${whileQuiet.length} draws while the stage ran`);
      assert.match(progress[progress.length - 1].html, /2 of 2 stages settled/);
      // The metrics card follows as its own output.
      const cards = calls.filter((c) => c.id === undefined);
      assert.equal(cards.length, 1);
      assert.match(cards[0].html, /wall time/i);
    });
  });

  describe('when the section is up to date', () => {
    it('replaces the progress view with the one-line up-to-date card', async () => {
      const def = { name: 'live2', stages: [{ id: 'a', run: () => 1 }] };
      await (await openWorkbench(def, { stateDir, quiet: true })).run();
      calls = [];
      const again = await (await openWorkbench(def, { stateDir, refreshMs: 50 })).run('a');
      assert.equal(again.upToDate, true);
      const last = calls[calls.length - 1];
      assert.equal(last.update, true);
      assert.match(last.html, /up to date/);
      assert.ok(calls.every((c) => c.id === calls[0].id), 'everything went to the one live display');
    });
  });
});
