import { canonicalJson, sha256 } from './canonical-json';
import type { PlanStage } from './plan';

/**
 * A stage's cache key: the hash of everything its output depends on — its
 * code fingerprint (or declared version), each param, each upstream output's
 * hash and each declared input file's content hash. The parts are kept by
 * name, so a changed key can be explained in words ("param `x` changed").
 */

/** The named parts of a cache key: `code`, `param:<name>`, `upstream:<stage>`, `file:<path>`. */
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
  const parts: Record<string, string> = {
    code: stage.version !== undefined ? `version:${stage.version}` : `code:${stage.codeHash}`,
  };
  const secret = new Set(stage.secretParams);
  for (const name of Object.keys(stage.params).sort()) {
    const text = canonicalJson(stage.params[name]);
    parts[`param:${name}`] = secret.has(name) ? secretDigest(text) : sha256(text);
  }
  for (const dep of stage.deps) if (upstreamHashes[dep] !== undefined) parts[`upstream:${dep}`] = upstreamHashes[dep];
  for (const file of stage.inputs) parts[`file:${file}`] = fileHashes[file] ?? MISSING_FILE;
  return parts;
}

/** The cache key: sha256 of the canonical JSON of its parts. */
export function cacheKey(parts: CacheKeyParts): string {
  return sha256(canonicalJson(parts));
}

/**
 * What changed between the parts a stage's output was made under and the
 * current parts, in words, most telling first: "code changed",
 * "param `x` changed", "upstream `typing` output changed",
 * "input file `data/a.csv` changed". Empty when nothing did.
 */
export function describeChanges(previous: CacheKeyParts, current: CacheKeyParts): string[] {
  const reasons: string[] = [];
  if (previous.code !== current.code) {
    const [was, now] = [previous.code ?? '', current.code];
    reasons.push(
      was.startsWith('version:') && now.startsWith('version:')
        ? `version changed (${was.slice(8)} -> ${now.slice(8)})`
        : now.startsWith('version:') || was.startsWith('version:')
          ? 'version declared or removed'
          : 'code changed',
    );
  }
  const names = [...new Set([...Object.keys(previous), ...Object.keys(current)])].filter((k) => k !== 'code').sort(partOrder);
  for (const name of names) {
    const [kind, ...rest] = name.split(':');
    const what = rest.join(':');
    const was = previous[name];
    const now = current[name];
    if (was === now) continue;
    if (kind === 'param') reasons.push(was === undefined ? `param \`${what}\` added` : now === undefined ? `param \`${what}\` removed` : `param \`${what}\` changed`);
    else if (kind === 'upstream') reasons.push(was === undefined ? `upstream \`${what}\` added` : now === undefined ? `upstream \`${what}\` removed` : `upstream \`${what}\` output changed`);
    else if (kind === 'file') reasons.push(now === MISSING_FILE ? `input file \`${what}\` is missing` : was === undefined ? `input file \`${what}\` added` : `input file \`${what}\` changed`);
  }
  return reasons;
}

const KIND_ORDER: Record<string, number> = { param: 0, upstream: 1, file: 2 };

function partOrder(a: string, b: string): number {
  const ka = KIND_ORDER[a.split(':')[0]] ?? 3;
  const kb = KIND_ORDER[b.split(':')[0]] ?? 3;
  return ka - kb || (a < b ? -1 : a > b ? 1 : 0);
}
