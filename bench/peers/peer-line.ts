import { z } from 'zod';

/**
 * The one JSON line that each benchmark process of `npm run bench:peers`
 * prints (dagbook's and every peer's), and the workload arguments they take.
 */

/** Shapes of the workloads: a chain (each task needs the previous one) or a fan-out (one root, the rest need only it). */
export type Shape = 'chain' | 'fanout';

const peerLineSchema = z.object({
  /** `dagbook`, `prefect`, `dagster`, `luigi` or `kedro`. */
  system: z.string(),
  /** The system's mode, e.g. `durable`, `disk`, `ephemeral`. */
  mode: z.string(),
  shape: z.enum(['chain', 'fanout']),
  /** Tasks in the DAG. */
  n: z.number().int().positive(),
  /** Wall ms of the run call (for Prefect: until its task runs are saved). */
  runMs: z.number().nonnegative(),
  /** Wall ms of re-running the same DAG with every task up to date; null where the system does not skip work. */
  cachedMs: z.number().nonnegative().nullable(),
  /** Whether the mode keeps the run's state on disk. */
  durable: z.boolean(),
  note: z.string(),
});

/** One process's measurement. */
export type PeerLine = z.infer<typeof peerLineSchema>;

/**
 * The measurement in a benchmark process's stdout: its last line that starts with `{`
 * (peers may print log lines before it).
 * @throws Error naming the command when there is none or it does not fit the schema.
 */
export function parsePeerLine(stdout: string, command: string): PeerLine {
  const line = stdout.split('\n').reverse().find((text) => text.startsWith('{'));
  if (line === undefined) throw new Error(`\`${command}\` printed no JSON line; its stdout ended: ${stdout.slice(-500)}`);
  const parsed = peerLineSchema.safeParse(JSON.parse(line));
  if (!parsed.success) throw new Error(`\`${command}\` printed ${line}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Workload arguments: `--shape chain|fanout --n N --state DIR --mode M`. */
export interface WorkloadArgs {
  readonly shape: Shape;
  readonly n: number;
  /** An empty folder the process may write to. */
  readonly state: string;
  readonly mode: string;
}

/**
 * Reads {@link WorkloadArgs} from `argv` (without node and the script).
 * @throws Error naming the argument and the value when one is missing or wrong.
 */
export function parseWorkloadArgs(argv: readonly string[], modes: readonly string[]): WorkloadArgs {
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const shape = value('--shape');
  const n = Number(value('--n'));
  const state = value('--state');
  const mode = value('--mode') ?? modes[0];
  if (shape !== 'chain' && shape !== 'fanout') throw new Error(`Expected \`--shape\` to be chain or fanout, got \`${String(shape)}\``);
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected \`--n\` to be an integer >= 1, got \`${String(value('--n'))}\``);
  if (state === undefined) throw new Error('Expected `--state` to name a folder');
  if (!modes.includes(mode)) throw new Error(`Expected \`--mode\` to be one of ${modes.join(', ')}, got \`${mode}\``);
  return { shape, n, state, mode };
}
