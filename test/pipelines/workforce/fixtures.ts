import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkforceDb, type WorkforceDb } from '../../../pipelines/workforce/database';

/** A workforce database in a fresh temp folder; `dispose` closes it and removes the folder. */
export async function tempWorkforceDb(): Promise<WorkforceDb & { dispose(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-workforce-'));
  const db = await openWorkforceDb(path.join(dir, 'workforce.duckdb'));
  return {
    ...db,
    dispose() {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
