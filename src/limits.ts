/**
 * The size limits of dagbook, each defined once here so that the check that
 * refuses a definition early (`src/definition`) and the check that guards a
 * later layer (the state folder, canonical JSON) can never disagree. A value
 * past one of these is refused with a coded error naming the field and the
 * value, never left to overflow the stack or fail deeper down.
 */

/** Longest pipeline name, in characters: the name is a folder under `state/`. */
export const MAX_NAME_LENGTH = 200;

/**
 * What a pipeline name (or a run id) may be, as one path segment: letters,
 * digits, `_`, `.` and `-`, not starting with `.` or `-` (no hidden folder,
 * no option-like name, never `.` or `..`).
 */
export const SAFE_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Longest stage id, in characters. */
export const MAX_STAGE_ID_LENGTH = 200;

/**
 * Deepest nesting of one param value, in levels of arrays and objects
 * (`[1]` is 1 level, `{ a: [1] }` is 2). Params are hashed, copied and
 * validated by recursive code; real params are a few levels deep.
 */
export const MAX_PARAM_DEPTH = 64;

/**
 * Most values in one param value, counting a shared part each time it
 * appears (as a JSON copy writes it): params are copied into every plan.
 */
export const MAX_PARAM_VALUES = 100_000;

/**
 * Deepest nesting canonical JSON writes (stage outputs and params), in
 * levels of arrays and objects: far below what exhausts the call stack.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * Alias nodes a pipeline file may expand (`*name` in YAML). A few aliases
 * share policies; thousands are an expansion bomb (each alias can repeat
 * everything before it).
 */
export const MAX_YAML_ALIASES = 100;

/** Largest pipeline file, in bytes (a pipeline file of thousands of stages is under 1 MiB). */
export const MAX_PIPELINE_FILE_BYTES = 4 * 1024 * 1024;

/** Deepest nesting of containers a stage output may have (the output itself is level 0). */
export const MAX_OUTPUT_DEPTH = 1000;

/**
 * Largest stage output, in bytes of its stored form (`output-codec`), kept
 * inline: written in the success record's write-ahead log line and carried
 * by the snapshot, so storing it costs no file of its own (a temp file,
 * fsync, rename and directory fsync: ~0.3-0.5 ms on a local disk). Larger
 * outputs are content-addressed files under `artifacts/`. 4 KiB is one page:
 * a log line that size costs the group commit next to nothing, and a
 * snapshot of 10,000 such outputs stays tens of MB at most.
 */
export const INLINE_OUTPUT_MAX_BYTES = 4 * 1024;

/** Most periods on a pipeline's period axis (each multiplies its per-period stages). */
export const MAX_PERIODS = 1000;

/** What a period key (a period's text form, the suffix of `<stage>@<period>`) may be. */
export const PERIOD_KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Longest period key, in characters. */
export const MAX_PERIOD_KEY_LENGTH = 40;
