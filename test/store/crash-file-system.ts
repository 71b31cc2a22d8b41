import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StateFileStats, StateFileSystem, StateOpenFlags } from '../../src/store/state-file-system';

/**
 * A recording file system for power-loss tests, in the manner of ALICE and
 * CrashMonkey: it does every operation on a real folder (so the run under
 * test reads and writes real files) and records each change and each sync in
 * order. {@link crashStates} then replays the record through a model of the
 * page cache and gives, for a point in the record, the files a power cut at
 * that point could have left on disk.
 *
 * The model (POSIX's promises and no more; stricter than ext4 data=ordered):
 * - File data (writes, appends, truncations) is volatile until an fsync or
 *   fdatasync of that file; the sync makes every earlier change of the file
 *   durable. A file whose name is durable but whose data never was is empty
 *   (ext4's zero-length-file-after-crash).
 * - Names (creating a file or folder, link, rename, removal) are volatile
 *   until an fsync of the folder they are in. Syncing a file does not make its
 *   name durable (ext4 often does, by committing its journal; POSIX does not
 *   promise it, and the store must not depend on it). A rename is atomic
 *   (after the cut it is either done or not, as every journaling file system
 *   does) and is made durable by an fsync of either folder it touches (one
 *   journal transaction); the name operations that came before it in those
 *   folders are made durable with it, in order, since a journal commits in order.
 * - A crash state is what was durable at the point of the cut, optionally plus
 *   a prefix, in program order, of the changes not yet durable (the page cache
 *   wrote some back before the cut), the last of which may be torn (half its
 *   bytes written). Reordered write-back (a later unsynced change on disk
 *   without an earlier one) is not generated: the number of such states is
 *   exponential, and prefixes already cover every "synced too late" window.
 */

/** A recorded change or sync. Inodes are numbered by the recorder; 0 is the root folder. */
export type CrashOp =
  | { readonly kind: 'write'; readonly ino: number; readonly offset: number; readonly data: Buffer }
  | { readonly kind: 'truncate'; readonly ino: number; readonly length: number }
  | { readonly kind: 'link'; readonly dir: number; readonly name: string; readonly ino: number; readonly created?: 'file' | 'dir' }
  | { readonly kind: 'unlink'; readonly dir: number; readonly name: string }
  | { readonly kind: 'rename'; readonly fromDir: number; readonly fromName: string; readonly toDir: number; readonly toName: string }
  | { readonly kind: 'sync'; readonly ino: number };

interface OpenFile {
  readonly ino: number;
  readonly append: boolean;
  position: number;
}

/** See the module comment. Only paths under `root` (a folder that exists and is empty) may be used. */
export class CrashFileSystem implements StateFileSystem {
  /** Every change and sync so far, in order. */
  readonly ops: CrashOp[] = [];
  private readonly names = new Map<string, number>();
  private readonly sizes = new Map<number, number>();
  private readonly open = new Map<number, OpenFile>();
  /** The latest path of each inode, relative to the root, to describe ops. */
  private readonly pathOfIno = new Map<number, string>([[0, '.']]);
  private nextIno = 1;

  constructor(
    /** The real folder the recorded operations happen in. */
    readonly root: string,
  ) {
    this.root = path.resolve(root);
    this.names.set(this.root, 0);
  }

  existsSync(p: string): boolean {
    return fs.existsSync(this.inside(p));
  }

  statSync(p: string): StateFileStats {
    return fs.statSync(this.inside(p));
  }

  readFileSync(p: string): Buffer;
  readFileSync(p: string, encoding: 'utf8'): string;
  readFileSync(p: string, encoding?: 'utf8'): Buffer | string {
    return encoding === undefined ? fs.readFileSync(this.inside(p)) : fs.readFileSync(this.inside(p), encoding);
  }

  readdirSync(p: string): string[] {
    return fs.readdirSync(this.inside(p));
  }

  mkdirSync(p: string, options: { readonly recursive: true }): void {
    const target = this.inside(p);
    const missing: string[] = [];
    for (let at = target; !fs.existsSync(at); at = path.dirname(at)) missing.unshift(at);
    fs.mkdirSync(target, options);
    for (const dir of missing) this.link(dir, this.nextIno++, 'dir');
  }

  openSync(p: string, flags: StateOpenFlags, mode?: number): number {
    const file = this.inside(p);
    const existed = fs.existsSync(file);
    const fd = fs.openSync(file, flags, mode);
    if (!existed) this.link(file, this.nextIno++, 'file');
    const ino = this.inoOf(file);
    if (flags === 'w' && existed) this.record({ kind: 'truncate', ino, length: 0 });
    this.open.set(fd, { ino, append: flags === 'a+', position: 0 });
    return fd;
  }

  fstatSync(fd: number): { readonly size: number } {
    return fs.fstatSync(fd);
  }

  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    return fs.readSync(fd, buffer, offset, length, position);
  }

  writeSync(fd: number, data: string | Uint8Array): number {
    const file = this.fileOf(fd);
    const bytes = Buffer.from(data);
    const offset = file.append ? (this.sizes.get(file.ino) ?? 0) : file.position;
    const written = fs.writeSync(fd, bytes);
    this.wrote(file, offset, bytes.subarray(0, written));
    return written;
  }

  writeFileSync(fd: number, data: string | Uint8Array): void {
    const file = this.fileOf(fd);
    const bytes = Buffer.from(data);
    const offset = file.append ? (this.sizes.get(file.ino) ?? 0) : file.position;
    fs.writeFileSync(fd, bytes);
    this.wrote(file, offset, bytes);
  }

  ftruncateSync(fd: number, length: number): void {
    const file = this.fileOf(fd);
    fs.ftruncateSync(fd, length);
    this.record({ kind: 'truncate', ino: file.ino, length });
    this.sizes.set(file.ino, length);
  }

  fsyncSync(fd: number): void {
    fs.fsyncSync(fd);
    this.record({ kind: 'sync', ino: this.fileOf(fd).ino });
  }

  fdatasyncSync(fd: number): void {
    fs.fdatasyncSync(fd);
    this.record({ kind: 'sync', ino: this.fileOf(fd).ino });
  }

  closeSync(fd: number): void {
    fs.closeSync(fd);
    this.open.delete(fd);
  }

  renameSync(from: string, to: string): void {
    const source = this.inside(from);
    const target = this.inside(to);
    fs.renameSync(source, target);
    this.record({
      kind: 'rename',
      fromDir: this.inoOf(path.dirname(source)),
      fromName: path.basename(source),
      toDir: this.inoOf(path.dirname(target)),
      toName: path.basename(target),
    });
    this.forget(target);
    for (const [name, ino] of [...this.names]) {
      if (name === source || name.startsWith(source + path.sep)) {
        this.names.delete(name);
        this.names.set(target + name.slice(source.length), ino);
        this.pathOfIno.set(ino, path.relative(this.root, target + name.slice(source.length)).split(path.sep).join('/'));
      }
    }
  }

  linkSync(existing: string, to: string): void {
    const target = this.inside(to);
    fs.linkSync(this.inside(existing), target);
    this.link(target, this.inoOf(this.inside(existing)));
  }

  rmSync(p: string, options?: { readonly recursive?: boolean; readonly force?: boolean }): void {
    const target = this.inside(p);
    const existed = fs.existsSync(target);
    fs.rmSync(target, options);
    if (existed) this.unlink(target);
  }

  /** Recorded as a sync at the call: it covers exactly the writes made before it. */
  fdatasync(fd: number): Promise<void> {
    this.fdatasyncSync(fd);
    return Promise.resolve();
  }

  /** Recorded as a sync at the call, like {@link fdatasync}. */
  fsync(fd: number): Promise<void> {
    this.fsyncSync(fd);
    return Promise.resolve();
  }

  /** Recorded as a removal at the call. */
  rm(p: string, options?: { readonly force?: boolean }): Promise<void> {
    this.rmSync(p, options);
    return Promise.resolve();
  }

  rmdirSync(p: string): void {
    const target = this.inside(p);
    fs.rmdirSync(target);
    this.unlink(target);
  }

  private inside(p: string): string {
    const resolved = path.resolve(p);
    if (resolved !== this.root && !resolved.startsWith(this.root + path.sep)) {
      throw new Error(`The crash file system models ${this.root} only, not ${resolved}`);
    }
    return resolved;
  }

  private inoOf(p: string): number {
    const ino = this.names.get(p);
    if (ino === undefined) throw new Error(`The crash file system does not know ${p} (made outside it?)`);
    return ino;
  }

  private fileOf(fd: number): OpenFile {
    const file = this.open.get(fd);
    if (!file) throw new Error(`The crash file system did not open descriptor ${fd}`);
    return file;
  }

  private wrote(file: OpenFile, offset: number, bytes: Buffer): void {
    this.record({ kind: 'write', ino: file.ino, offset, data: Buffer.from(bytes) });
    if (!file.append) file.position = offset + bytes.length;
    this.sizes.set(file.ino, Math.max(this.sizes.get(file.ino) ?? 0, offset + bytes.length));
  }

  private link(p: string, ino: number, created?: 'file' | 'dir'): void {
    this.record({ kind: 'link', dir: this.inoOf(path.dirname(p)), name: path.basename(p), ino, ...(created ? { created } : {}) });
    this.names.set(p, ino);
    this.pathOfIno.set(ino, path.relative(this.root, p).split(path.sep).join('/'));
  }

  private unlink(p: string): void {
    this.record({ kind: 'unlink', dir: this.inoOf(path.dirname(p)), name: path.basename(p) });
    this.forget(p);
  }

  private forget(p: string): void {
    for (const name of [...this.names.keys()]) if (name === p || name.startsWith(p + path.sep)) this.names.delete(name);
  }

  private record(op: CrashOp): void {
    this.ops.push(op);
  }

  /** One op in words, e.g. `fsync runs/run-1/events.jsonl` or `rename db.json.tmp -> db.json`. */
  describe(index: number): string {
    const op = this.ops[index];
    const at = (ino: number, name?: string) => {
      const dir = this.pathOfIno.get(ino) ?? `#${ino}`;
      return name === undefined ? dir : dir === '.' ? name : `${dir}/${name}`;
    };
    switch (op.kind) {
      case 'write':
        return `write ${op.data.length} B at ${op.offset} of ${at(op.ino)}`;
      case 'truncate':
        return `truncate ${at(op.ino)} to ${op.length}`;
      case 'link':
        return `${op.created ? `create ${op.created}` : 'link'} ${at(op.dir, op.name)}`;
      case 'unlink':
        return `remove ${at(op.dir, op.name)}`;
      case 'rename':
        return `rename ${at(op.fromDir, op.fromName)} -> ${at(op.toDir, op.toName)}`;
      case 'sync':
        return `fsync ${at(op.ino)}`;
    }
  }
}

/** Files and folders as a power cut left them: the root folder's tree. */
export interface CrashImage {
  /** How it came about, e.g. `durable after op 41` or `op 41 + 3 unsynced (torn)`. */
  readonly label: string;
  /** The op index of the cut: ops before it had happened. */
  readonly at: number;
  /** Writes the tree into `dir` (which must exist). */
  writeTo(dir: string): void;
}

/** Which crash states {@link crashStates} gives. */
export interface CrashStateOptions {
  /** Every how many-th prefix of the unsynced changes at a cut to give (the last one is always given). @default 1 */
  readonly prefixStride?: number;
  /** Also give the prefixes whose last change is a write torn in half. @default true */
  readonly torn?: boolean;
}

/**
 * The crash states of a record: at each cut right before a sync (and at the
 * end), what was durable, then the prefixes of the changes not yet durable.
 * Every durable state there is comes up once, since only syncs change it.
 */
export function* crashStates(ops: readonly CrashOp[], options: CrashStateOptions = {}): Generator<CrashImage> {
  const stride = options.prefixStride ?? 1;
  const model = new PageCacheModel();
  for (let at = 0; at <= ops.length; at++) {
    if (at === ops.length || ops[at].kind === 'sync') {
      yield model.image(`durable at op ${at}`, at);
      const pending = model.pendingOps();
      for (let n = 1; n <= pending.length; n++) {
        if (n % stride !== 0 && n !== pending.length) continue;
        yield model.withPrefix(ops, pending.slice(0, n), false, `op ${at} + ${n} unsynced`, at);
        const last = ops[pending[n - 1]];
        if (options.torn !== false && last.kind === 'write' && last.data.length > 1) {
          yield model.withPrefix(ops, pending.slice(0, n), true, `op ${at} + ${n} unsynced (last torn)`, at);
        }
      }
    }
    if (at < ops.length) model.apply(ops[at], at);
  }
}

/** Every file under the root as the recorder's operations left it, all of them written back (to compare with the real folder). */
export function finalFiles(ops: readonly CrashOp[]): Map<string, Buffer> {
  const model = new PageCacheModel();
  ops.forEach((op, i) => model.apply(op, i));
  const all = model.clone();
  for (const i of model.pendingOps()) all.persist(ops[i], false);
  return all.files('');
}

/** The page cache: what is durable, what is only in memory, and which recorded ops are not durable yet (in order). */
class PageCacheModel {
  /** Durable names: folder inode -> name -> inode. */
  dirs = new Map<number, Map<string, number>>([[0, new Map()]]);
  /** Durable file contents. */
  data = new Map<number, Buffer>();
  /** File contents as the running program sees them. */
  private readonly live = new Map<number, Buffer>();
  private readonly kinds = new Map<number, 'file' | 'dir'>([[0, 'dir']]);
  /** Ops not durable yet, in op order (a Set iterates in insertion order). */
  private readonly pending = new Set<number>();
  private readonly pendingData = new Map<number, number[]>();
  private readonly ops: CrashOp[] = [];

  apply(op: CrashOp, index: number): void {
    this.ops[index] = op;
    switch (op.kind) {
      case 'write':
      case 'truncate': {
        this.live.set(op.ino, applyData(this.live.get(op.ino) ?? Buffer.alloc(0), op, false));
        this.pending.add(index);
        this.pendingData.set(op.ino, [...(this.pendingData.get(op.ino) ?? []), index]);
        return;
      }
      case 'link':
        if (op.created) {
          this.kinds.set(op.ino, op.created);
          if (op.created === 'dir') this.dirs.set(op.ino, new Map());
          else this.data.set(op.ino, Buffer.alloc(0));
        }
        this.pending.add(index);
        return;
      case 'unlink':
      case 'rename':
        this.pending.add(index);
        return;
      case 'sync':
        if (this.kinds.get(op.ino) === 'dir') {
          for (const i of [...this.pending]) if (this.pending.has(i) && foldersOf(this.ops[i]).includes(op.ino)) this.persistEntry(i);
        } else {
          this.data.set(op.ino, this.live.get(op.ino) ?? Buffer.alloc(0));
          for (const i of this.pendingData.get(op.ino) ?? []) this.pending.delete(i);
          this.pendingData.delete(op.ino);
        }
    }
  }

  /** Indexes of the ops not durable yet, in order. */
  pendingOps(): number[] {
    return [...this.pending];
  }

  image(label: string, at: number): CrashImage {
    const files = this.files('');
    const dirs = this.folders('');
    return { label, at, writeTo: (dir) => writeTree(dir, dirs, files) };
  }

  withPrefix(ops: readonly CrashOp[], prefix: readonly number[], tornLast: boolean, label: string, at: number): CrashImage {
    const copy = this.clone();
    prefix.forEach((i, k) => copy.persist(ops[i], tornLast && k === prefix.length - 1));
    return copy.image(label, at);
  }

  clone(): PageCacheModel {
    const copy = new PageCacheModel();
    copy.dirs = new Map([...this.dirs].map(([ino, entries]) => [ino, new Map(entries)]));
    copy.data = new Map(this.data);
    for (const [ino, kind] of this.kinds) copy.kinds.set(ino, kind);
    return copy;
  }

  /** Writes one op back to the durable state as it is (no dependencies: the caller goes in order). */
  persist(op: CrashOp, torn: boolean): void {
    if (op.kind === 'write' || op.kind === 'truncate') this.data.set(op.ino, applyData(this.data.get(op.ino) ?? Buffer.alloc(0), op, torn));
    else if (op.kind !== 'sync') applyEntry(this.dirs, op);
  }

  /** Makes a name op durable, after the pending name ops before it in the folders it touches. */
  private persistEntry(index: number): void {
    const folders = foldersOf(this.ops[index]);
    for (const i of [...this.pending]) {
      if (i >= index) break;
      if (!this.pending.has(i)) continue;
      const op = this.ops[i];
      if (op.kind !== 'write' && op.kind !== 'truncate' && foldersOf(op).some((d) => folders.includes(d))) this.persistEntry(i);
    }
    this.pending.delete(index);
    applyEntry(this.dirs, this.ops[index]);
  }

  /** Durable files reachable from the root, by path relative to it. */
  files(prefix: string, ino = 0, out = new Map<string, Buffer>()): Map<string, Buffer> {
    for (const [name, child] of this.dirs.get(ino) ?? []) {
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      if (this.kinds.get(child) === 'dir') this.files(rel, child, out);
      else out.set(rel, this.data.get(child) ?? Buffer.alloc(0));
    }
    return out;
  }

  private folders(prefix: string, ino = 0, out: string[] = []): string[] {
    for (const [name, child] of this.dirs.get(ino) ?? []) {
      if (this.kinds.get(child) !== 'dir') continue;
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      out.push(rel);
      this.folders(rel, child, out);
    }
    return out;
  }
}

function foldersOf(op: CrashOp): number[] {
  if (op.kind === 'link' || op.kind === 'unlink') return [op.dir];
  if (op.kind === 'rename') return [op.fromDir, op.toDir];
  return [];
}

function applyEntry(dirs: Map<number, Map<string, number>>, op: CrashOp): void {
  const entries = (ino: number) => {
    let map = dirs.get(ino);
    if (!map) dirs.set(ino, (map = new Map()));
    return map;
  };
  if (op.kind === 'link') entries(op.dir).set(op.name, op.ino);
  else if (op.kind === 'unlink') entries(op.dir).delete(op.name);
  else if (op.kind === 'rename') {
    const ino = entries(op.fromDir).get(op.fromName);
    if (ino === undefined) return;
    entries(op.fromDir).delete(op.fromName);
    entries(op.toDir).set(op.toName, ino);
  }
}

function applyData(content: Buffer, op: CrashOp, torn: boolean): Buffer {
  if (op.kind === 'truncate') {
    const out = Buffer.alloc(op.length);
    content.copy(out, 0, 0, Math.min(op.length, content.length));
    return out;
  }
  if (op.kind !== 'write') return content;
  const data = torn ? op.data.subarray(0, Math.floor(op.data.length / 2)) : op.data;
  const out = Buffer.alloc(Math.max(content.length, op.offset + data.length));
  content.copy(out);
  data.copy(out, op.offset);
  return out;
}

function writeTree(dir: string, folders: readonly string[], files: ReadonlyMap<string, Buffer>): void {
  for (const folder of folders) fs.mkdirSync(path.join(dir, folder), { recursive: true });
  for (const [file, bytes] of files) fs.writeFileSync(path.join(dir, file), bytes);
}
