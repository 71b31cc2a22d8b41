import { canonicalJson, sha256 } from '../canonical-json';
import { parseFnReference } from '../fn-reference';
import type { PlanStage } from './plan';

/**
 * A stage's cache key: the hash of everything its output depends on — its
 * code identity (or declared version), each param, each upstream output's
 * hash and each declared input file's content hash. The parts are kept by
 * name, one per tracked thing, so a changed key can be explained in words
 * ("code changed: pipelines/x/infer-type.ts", "param `x` changed").
 */

/**
 * The named parts of a cache key: the code identity's parts (`code:fn`,
 * `code:file:<path>`, `code:pkg:<name>`, `code:dep:<name>`, see
 * `fingerprint.ts`) or, for a stage with a `version`, `code` =
 * `version:<v>`; then `param:<name>`, `upstream:<stage>`, `file:<path>`.
 */
export type CacheKeyParts = Readonly<Record<string, string>>;

/** Part value of an input file that does not exist. */
export const MISSING_FILE = 'missing';

/**
 * The parts of a stage's cache key. A secret param's part is
 * `secretDigest` of its canonical JSON (a keyed hash, see
 * `RunStore.secretDigest`), so that stored parts cannot be checked against
 * guesses; every other param's part is its sha256.
 */
export function cacheKeyParts(
  stage: PlanStage,
  upstreamHashes: Readonly<Record<string, string>>,
  fileHashes: Readonly<Record<string, string>>,
  secretDigest: (value: string) => string,
): CacheKeyParts {
  const parts: Record<string, string> =
    stage.version !== undefined
      ? { code: `version:${stage.version}` }
      : stage.code !== undefined
        ? { ...stage.code.parts }
        : { code: `code:${stage.codeHash}` };
  const names = Object.keys(stage.params);
  if (names.length > 0) {
    const secret = new Set(stage.secretParams);
    for (const name of names.sort()) {
      const text = canonicalJson(stage.params[name]);
      parts[`param:${name}`] = secret.has(name) ? secretDigest(text) : sha256(text);
    }
  }
  for (const dep of stage.deps) if (upstreamHashes[dep] !== undefined) parts[`upstream:${dep}`] = upstreamHashes[dep];
  for (const file of stage.inputs) parts[`file:${file}`] = fileHashes[file] ?? MISSING_FILE;
  return parts;
}

/** The cache key: sha256 of the canonical JSON of its parts. */
export function cacheKey(parts: CacheKeyParts): string {
  return sha256(canonicalJson(parts));
}

/** Whether two sets of named parts (string values) are the same: the same names, each with the same value. */
export function sameParts(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => a[k] === b[k]);
}

/**
 * What changed between the parts a stage's output was made under and the
 * current parts, in words, most telling first: the code ("code changed:
 * lib/clean.ts", "code dependency `helper` changed", "package `lodash`
 * changed (4.17.20 -> 4.17.21)", "version changed (1 -> 2)"), then
 * "param `x` changed", "upstream `typing` output changed",
 * "input file `data/a.csv` changed". Empty when nothing did.
 */
export function describeChanges(previous: CacheKeyParts, current: CacheKeyParts): string[] {
  const reasons: string[] = [];
  const names = [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort(partOrder);
  const versionChange = describeVersionChange(previous.code, current.code);
  if (versionChange !== undefined) reasons.push(versionChange);
  for (const name of names) {
    const was = previous[name];
    const now = current[name];
    if (was === now || name === 'code') continue;
    const [kind, ...rest] = name.split(':');
    const what = rest.join(':');
    if (kind === 'code') {
      // A version declared or removed replaces the code parts: the version says it all.
      if (versionChange === undefined) reasons.push(describeCodePart(what, was, now));
    } else if (kind === 'param') reasons.push(was === undefined ? `param \`${what}\` added` : now === undefined ? `param \`${what}\` removed` : `param \`${what}\` changed`);
    else if (kind === 'upstream') reasons.push(was === undefined ? `upstream \`${what}\` added` : now === undefined ? `upstream \`${what}\` removed` : `upstream \`${what}\` output changed`);
    else if (kind === 'file') reasons.push(now === MISSING_FILE ? `input file \`${what}\` is missing` : was === undefined ? `input file \`${what}\` added` : `input file \`${what}\` changed`);
  }
  return reasons;
}

/** The change of the `code` part (a version, or the single code hash of keys made before code identities had parts). */
function describeVersionChange(was: string | undefined, now: string | undefined): string | undefined {
  if (was === now) return undefined;
  const wasVersion = was?.startsWith('version:') === true;
  const nowVersion = now?.startsWith('version:') === true;
  // A service stage's version is its resolved service's hash (`service-plan.ts`): a hash says nothing to a reader.
  if (was?.startsWith('version:service/') === true && now?.startsWith('version:service/') === true) return 'service changed';
  if (wasVersion && nowVersion) return `version changed (${(was as string).slice(8)} -> ${(now as string).slice(8)})`;
  if (wasVersion || nowVersion) return 'version declared or removed';
  return 'code changed';
}

/** One code part's change: `code:fn`, `code:file:<path>`, `code:pkg:<name>` or `code:dep:<name>`. */
function describeCodePart(what: string, was: string | undefined, now: string | undefined): string {
  const [kind, ...rest] = what.split(':');
  const name = rest.join(':');
  const change = was === undefined ? 'added' : now === undefined ? 'removed' : 'changed';
  if (kind === 'file') return change === 'changed' ? `code changed: ${name}` : `code ${change}: ${name}`;
  if (kind === 'pkg') {
    if (change === 'changed') return `package \`${name}\` changed (${was} -> ${now})`;
    return change === 'added' ? `package \`${name}\` added (${now})` : `package \`${name}\` removed`;
  }
  if (kind === 'dep') return `code dependency \`${name}\` ${change}`;
  // `code:fn`: the function's text, or the export a module stage names.
  if (was !== undefined && now !== undefined && parseFnReference(was) && parseFnReference(now)) return `stage function changed (${was} -> ${now})`;
  return 'code changed';
}

/** Code parts first (the function, then files, dependencies, packages), then params, upstream outputs and input files. */
const KIND_ORDER: Record<string, number> = { code: 0, 'code:fn': 0, 'code:file': 1, 'code:dep': 2, 'code:pkg': 3, param: 4, upstream: 5, file: 6 };

function partKind(name: string): number {
  const [first, second] = name.split(':');
  return KIND_ORDER[`${first}:${second}`] ?? KIND_ORDER[first] ?? 7;
}

function partOrder(a: string, b: string): number {
  return partKind(a) - partKind(b) || (a < b ? -1 : a > b ? 1 : 0);
}
