import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { loadPipelineFile, loadPipelineText } from '../../src/definition/load-file';
import type { PipelineDefinition } from '../../src/definition/types';
import { isDagbookError } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';

/**
 * Generated definitions, valid and hostile, as objects (compilePipeline) and
 * as YAML/JSON text (the file loader, then compilePipeline): each must end in
 * a compiled plan that keeps every stage, or a coded DagbookError; any other
 * exception fails. Seeded, so a failure repeats.
 */

const FIXTURES = path.join(__dirname, 'fixtures');
const run = () => 1;

function nested(levels: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

function cyclic(): unknown {
  const value: Record<string, unknown> = { a: 1 };
  value.self = { back: value };
  return value;
}

function sharedBomb(): unknown {
  let value: unknown[] = [1, 2];
  for (let i = 0; i < 24; i++) value = [value, value];
  return value;
}

/** Mostly `valid`, sometimes `invalid`: most definitions get far enough to meet the graph checks and compile. */
function mostly<T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 40, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}

const RESERVED = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__'];

/** Stage ids: mostly from a small pool (so deps hit and cycles form), some hostile. */
const stageId: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 200, arbitrary: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'load', 'x.y', 'under_score', 'da-sh', 'A9') },
  { weight: 2, arbitrary: fc.constantFrom(...RESERVED) },
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', '../x', 'a/b', '-x', ' a', 'a b', 'é', '👍', '\u0000', 'a\nb') },
  { weight: 1, arbitrary: fc.integer({ min: 150, max: 6000 }).map((n) => 'i'.repeat(n)) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(42, null, undefined, true, {}, []) },
);

const pipelineName: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 100, arbitrary: fc.constantFrom('p', 'orders', 'a.b_c-d') },
  { weight: 1, arbitrary: fc.constantFrom('-p', '.hidden', '..', '../up', '', 'a b', '__proto__') },
  { weight: 1, arbitrary: fc.integer({ min: 190, max: 6000 }).map((n) => 'n'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom(7, null, undefined) },
);

/** Param values built once: deep, cyclic, shared, not JSON. */
/** Values too costly to write as text on every run (deep text has a generator of its own). */
const HEAVY: readonly unknown[] = [nested(3000), nested(20_000), sharedBomb(), Array.from({ length: 50_000 }, (_, i) => i)];

const hostileValues: readonly unknown[] = [
  ...HEAVY,
  nested(63),
  nested(64),
  nested(65),
  cyclic(),
  new Date(0),
  new Map(),
  NaN,
  Infinity,
  10n,
  Symbol('s'),
  () => 1,
  JSON.parse('{"__proto__": {"polluted": true}}'),
];

const paramValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 30, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.constantFrom(...hostileValues) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const params: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 30, arbitrary: fc.dictionary(mostly(fc.constantFrom('k', 'token', 'limit', 'constructor'), fc.constantFrom('__proto__', '')), paramValue, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 'params', [1, 2], new Date(0)) },
);

/** Any number, and things that are not numbers. */
const policyNumber: fc.Arbitrary<unknown> = mostly(
  fc.integer({ min: 1, max: 100_000 }),
  fc.oneof(fc.integer({ min: -5, max: 0 }), fc.double(), fc.constantFrom('3', null, true, [], {}, -0, Number.MAX_SAFE_INTEGER + 2)),
);

const retry: fc.Arbitrary<unknown> = mostly(
  fc.record(
    {
      maxAttempts: policyNumber,
      baseDelayMs: policyNumber,
      maxDelayMs: policyNumber,
      jitter: mostly(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(-0.5, 1.5, NaN, '0.1')),
      minDelayMs: policyNumber,
      retryOn: mostly(fc.constantFrom(['transient'], [], ['transient', 'logic']), fc.constantFrom(['nope'], 'transient')),
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom(null, 3, 'retry'),
);

const budgets: fc.Arbitrary<unknown> = mostly(
  fc.dictionary(mostly(fc.constantFrom('tokens', 'cost'), fc.constantFrom(...RESERVED)), policyNumber, { maxKeys: 3 }),
  fc.constantFrom(null, 5),
);

/** Deps of the stage at `index`: mostly on earlier stages (acyclic), sometimes on any stage (cycles) or on unknown ones. */
const deps = (ids: readonly unknown[], index: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 12, arbitrary: index === 0 ? fc.constant([]) : fc.uniqueArray(fc.constantFrom(...ids.slice(0, index)), { maxLength: 3 }) },
    { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...(ids.length > 0 ? ids : ['a'])), stageId), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom('a', null, 5, [7], [''], ['x'.repeat(100_000)]) },
  );

/** The fields of a stage, shared by both forms. `fn` only matters to files. */
const stageFields = (ids: readonly unknown[], index: number) =>
  fc.record(
    {
      deps: deps(ids, index),
      params,
      secretParams: mostly(fc.constantFrom(['token'], ['nope']), fc.constantFrom('token', [1])),
      retry,
      timeoutMs: policyNumber,
      graceMs: policyNumber,
      breaker: mostly(fc.record({ key: fc.constantFrom('', 'svc', 5), failureThreshold: policyNumber, recoveryTimeoutMs: policyNumber }, { requiredKeys: [] }), fc.constant(7)),
      budgets,
      enabled: mostly(fc.boolean(), fc.constant('yes')),
      isolation: mostly(fc.constant('none'), fc.constantFrom('thread', 'process')),
      inputs: mostly(fc.constant(['data/a.csv']), fc.constantFrom('a.csv', [3])),
      version: mostly(fc.constant('1'), fc.constant(2)),
      fn: mostly(fc.constantFrom('./stages#load', './stages#double'), fc.constantFrom('./stages#missing', './stages#notAFunction', './nowhere#x', 'no-hash', '#x', 5)),
      unknownField: mostly(fc.constant(undefined), fc.constant(1)),
    },
    { requiredKeys: [] },
  );

/** A pipeline's top level, without its stages. */
const topLevel = fc.record(
  {
    name: pipelineName,
    maxParallel: policyNumber,
    failurePolicy: mostly(fc.constantFrom('fail-fast', 'keep-going'), fc.constant('sometimes')),
    budgets,
    defaults: mostly(fc.record({ retry, timeoutMs: policyNumber }, { requiredKeys: [] }), fc.constant('x')),
    secrets: mostly(
      fc.dictionary(mostly(fc.constant('apiKey'), fc.constantFrom(...RESERVED)), mostly(fc.string({ maxLength: 8 }), fc.constant(5)), { maxKeys: 2 }),
      fc.constant(null),
    ),
  },
  { requiredKeys: ['name'] },
);

/** Mostly-valid pipelines: a small share of fields set per stage, so many compile. */
const stageList = fc
  .uniqueArray(stageId, { minLength: 0, maxLength: 8, selector: (id) => String(id) })
  .chain((ids) => fc.tuple(fc.constant(ids), fc.tuple(...ids.map((_, i) => fc.tuple(mostly(fc.constant(true), fc.constant(false)), stageFields(ids, i))))));

const sparse = <T extends Record<string, unknown>>(fields: T, keep: number): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter((_, i) => (i * 7919 + keep) % 5 === 0));

/** A TS API definition: stages with ids, most fields dropped, run a function (or not). */
const objectDefinition = fc
  .tuple(topLevel, stageList, fc.nat(), mostly(fc.constant('object'), fc.constantFrom('hostile-stage', 'no-stages')))
  .map(([top, [ids, fields], keep, shape]): unknown => {
    const stages = ids.map((id, i) => {
      const [hasRun, f] = fields[i];
      return { id, ...sparse(f, keep + i), ...(hasRun ? { run } : { run: 'not a function' }) };
    });
    if (shape === 'no-stages') return { ...top };
    if (shape === 'hostile-stage') return { ...top, stages: [...stages, null, 5, 'stage'] };
    return { ...top, stages };
  });

/** A pipeline file's data: map form or array form. JSON-safe values only (hostile ones are written into the text below). */
const fileData = fc.tuple(topLevel, stageList, fc.nat(), fc.boolean()).map(([top, [ids, fields], keep, asMap]): unknown => {
  const clean = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (HEAVY.includes(x) ? 'heavy' : typeof x === 'bigint' || typeof x === 'symbol' || typeof x === 'function' ? String(x) : x)) ?? 'null');
  const stages = ids.map((id, i): Record<string, unknown> => ({ id, fn: './stages#load', ...sparse(fields[i][1], keep + i) }));
  const safeStages = stages.map((s): Record<string, unknown> => {
    const { params: p, ...rest } = s;
    let safeParams: unknown;
    try {
      safeParams = clean(p);
    } catch {
      safeParams = { depth: 'x' };
    }
    return { ...rest, ...(p === undefined ? {} : { params: safeParams }) };
  });
  // `secrets` is TS-only: a file naming it is refused as a whole, which would leave few files valid.
  const { secrets: _secrets, ...fileTop } = top as Record<string, unknown>;
  const data = { ...(keep % 8 === 0 ? top : fileTop), stages: asMap ? Object.fromEntries(safeStages.map(({ id, ...s }) => [String(id), s])) : safeStages };
  return clean(data);
});

/** Pipeline text: JSON, YAML, or hostile text (deep nesting, alias bombs, garbage). */
const pipelineText: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fileData.map((d) => JSON.stringify(d)) },
  { weight: 12, arbitrary: fileData.map((d) => toYaml(d, { aliasDuplicateObjects: false })) },
  {
    // Rare: past ~800 levels the yaml parser itself overflows (reported as a coded parse error), which is slow.
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 1500 }).map((n) => `name: p\nstages:\n  a:\n    fn: "./stages#load"\n    params:\n      d: ${'['.repeat(n)}1${']'.repeat(n)}\n`),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 2, max: 12 }).map((levels) => {
      const lines = ['name: p', 'stages: {}', 'a0: &a0 [x, x, x, x]'];
      for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`);
      return lines.join('\n');
    }),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '---\n---\n', 'name: p\nstages:\n  a: &x { fn: "./stages#load", deps: [a] }\n  b: *x\n', '{"name":"p","stages":{"__proto__":{"fn":"./stages#load"}}}', '!!binary AAAA', 'name: [unclosed', '"\\uD800"') },
);

/** Fails unless `fn` returns or throws a coded DagbookError. */
function settles(fn: () => unknown): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (isDagbookError(e) && typeof e.code === 'string') return 'refused';
    throw new Error(`Not a coded DagbookError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
}

/** A compiled plan keeps every stage of its definition. */
function compileKeepingStages(def: unknown): void {
  const compiled = compilePipeline(def as PipelineDefinition);
  const ids = (def as PipelineDefinition).stages.map((s) => s.id);
  assert.deepEqual([...compiled.plan.order].sort(), [...ids].sort());
  assert.deepEqual(Object.keys(compiled.plan.stages).sort(), [...ids].sort());
}

/** A pipeline text loads and compiles keeping every stage the text names. */
function loadKeepingStages(text: string): void {
  const def = loadPipelineText(text, { source: 'fuzz.yaml', baseDir: FIXTURES });
  compileKeepingStages(def);
  const stages = (parseYaml(text) as { stages: unknown }).stages;
  const named = Array.isArray(stages) ? stages.map((s: { id: string }) => s.id) : Object.keys(stages as object);
  assert.deepEqual(def.stages.map((s) => s.id).sort(), named.sort());
}

describe('definition fuzzing', function () {
  this.timeout(120_000);
  const outcomes = { ok: 0, refused: 0 };

  after(() => {
    // Both outcomes must be common, or the generators test only one side.
    assert.ok(outcomes.ok > 2000 && outcomes.refused > 2000, JSON.stringify(outcomes));
  });

  describe('when definitions are objects given to compilePipeline', () => {
    it('each compiles keeping every stage, or is refused with a coded DagbookError', () => {
      fc.assert(
        fc.property(objectDefinition, (def) => {
          outcomes[settles(() => compileKeepingStages(def))]++;
        }),
        { numRuns: 6000, seed: 20241202 },
      );
    });
  });

  describe('when definitions are YAML or JSON text given to the loader', () => {
    it('each loads and compiles keeping every stage, or is refused with a coded DagbookError', () => {
      fc.assert(
        fc.property(pipelineText, (text) => {
          outcomes[settles(() => loadKeepingStages(text))]++;
        }),
        { numRuns: 4000, seed: 20241203 },
      );
    });
  });

  describe('when definitions are files', () => {
    let tmp: string;
    before(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-fuzz-'));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('each loads and compiles, or is refused with a coded DagbookError', async () => {
      await fc.assert(
        fc.asyncProperty(pipelineText, fc.constantFrom('p.yaml', 'p.json'), async (text, name) => {
          const file = path.join(tmp, name);
          fs.writeFileSync(file, text);
          let outcome: 'ok' | 'refused' = 'ok';
          try {
            compileKeepingStages(await loadPipelineFile(file, { baseDir: FIXTURES }));
          } catch (e) {
            if (!isDagbookError(e)) throw e;
            outcome = 'refused';
          }
          outcomes[outcome]++;
        }),
        { numRuns: 300, seed: 20241204 },
      );
    });
  });
});
