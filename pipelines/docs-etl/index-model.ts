import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The embedder an index was written with, kept beside its LanceDB table
 * (`model.json`): a query must be embedded by the same fit as the chunks,
 * and the `store` stage rebuilds the table when the model changes. Written
 * to a temp file and renamed, so a reader never sees half of it.
 */

/** What `model.json` holds. */
export interface IndexModel {
  /** Model name (`hashed-tfidf-1024@<commit>/<folder>`). */
  readonly model: string;
  /** The fit's version, as the embedder takes it. */
  readonly version: string;
  /** The IDF per bucket. */
  readonly idf: readonly number[];
}

/** The file's name in the index folder. */
export const MODEL_FILE = 'model.json';

/** Reads the index's model; undefined when the folder has none. */
export async function readIndexModel(dir: string): Promise<IndexModel | undefined> {
  try {
    return JSON.parse(await fs.promises.readFile(path.join(dir, MODEL_FILE), 'utf8')) as IndexModel;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Writes the index's model (temp file, then rename). */
export async function writeIndexModel(dir: string, model: IndexModel): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `${MODEL_FILE}.${process.pid}.tmp`);
  await fs.promises.writeFile(temp, JSON.stringify(model));
  await fs.promises.rename(temp, path.join(dir, MODEL_FILE));
}
