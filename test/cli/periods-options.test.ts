import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'dagbook.js');

const PIPELINE = `name: sim
periods: { name: year, from: 2025, to: 2027 }
stages:
  census: { fn: "./stages#census" }
  grow: { fn: "./stages#grow", perPeriod: true, deps: [census, grow@previous], params: { rate: 0.1 } }
  summary: { fn: "./stages#summary", deps: [grow] }
`;

const STAGES = `exports.census = () => 1000;
exports.grow = (ctx, inputs) => Math.round((inputs['grow@previous'] ?? inputs.census) * (1 + ctx.params.rate));
exports.summary = (ctx, inputs) => inputs.grow;
`;

describe('dagbook run and plan with periods', function () {
  this.timeout(60_000);
  let tmp: string;
  const dagbook = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp, encoding: 'utf8', env: { ...process.env, DAGBOOK_STATE_DIR: path.join(tmp, 'state') } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const succeeded = (stdout: string) => [...stdout.matchAll(/Stage `([^`]+)` succeeded/g)].map((m) => m[1]);

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-periods-cli-'));
    fs.writeFileSync(path.join(tmp, 'sim.yaml'), PIPELINE);
    fs.writeFileSync(path.join(tmp, 'stages.js'), STAGES);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('--periods, --from-period and --period narrow a forced run to those periods', () => {
    const all = dagbook('run', 'sim.yaml');
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(succeeded(all.stdout), ['census', 'grow@2025', 'checkpoint@2025', 'grow@2026', 'checkpoint@2026', 'grow@2027', 'checkpoint@2027', 'summary']);
    const range = dagbook('run', 'sim.yaml', '--periods', '2026..2027', '--force');
    assert.equal(range.code, 0, range.stderr);
    assert.deepEqual(succeeded(range.stdout), ['census', 'grow@2026', 'checkpoint@2026', 'grow@2027', 'checkpoint@2027', 'summary']);
    const from = dagbook('run', 'sim.yaml', 'grow', '--from-period', '2027', '--force');
    assert.deepEqual(succeeded(from.stdout), ['grow@2027']);
    const one = dagbook('run', 'sim.yaml', '--period', '2025', '--force');
    assert.deepEqual(succeeded(one.stdout), ['census', 'grow@2025', 'checkpoint@2025']);
  });

  it('refuses a period that is not on the axis, naming it and the periods', () => {
    const r = dagbook('plan', 'sim.yaml', '--from-period', '2031');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'dagbook: Expected `fromPeriod` to name years of the pipeline (2025, 2026, 2027), got `"2031"`\n');
  });
});
