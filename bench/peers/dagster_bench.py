"""Dagster: a job of no-op ops run with `execute_in_process` (one process,
ops one at a time). Mode `disk`: a persistent instance in DAGSTER_HOME (the
driver points it at a temp folder: SQLite run, event and schedule storage) and
the filesystem IO manager, which stores every output, as a durable deployment
runs. Mode `ephemeral`: the in-memory instance and IO manager, which keep
nothing. Dagster does not skip ops of a job whose outputs exist: no re-run (n/a)."""

import os

from dagster import DagsterInstance, DependencyDefinition, FilesystemIOManager, GraphDefinition, In, op

from peer_common import WARMUP_TASKS, emit, expect, now_ms, parse_args


def make_op(i):
    ins = {} if i == 0 else {"upstream": In()}

    @op(name=f"s{i}", ins=ins)
    def noop(**_inputs):
        return None

    return noop


def make_job(shape, n):
    ops = [make_op(i) for i in range(n)]
    deps = {}
    for i in range(1, n):
        upstream = f"s{i - 1}" if shape == "chain" else "s0"
        deps[f"s{i}"] = {"upstream": DependencyDefinition(upstream)}
    graph = GraphDefinition(name=f"{shape}_{n}", node_defs=ops, dependencies=deps)
    return graph.to_job()


# Dagster's console logger prints every event at DEBUG; the other systems log at WARNING too.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def run(job_def, instance, resources):
    result = job_def.execute_in_process(run_config=QUIET, instance=instance, resources=resources)
    expect(result.success, f"the Dagster run of {job_def.name} failed")
    return result


def main():
    args = parse_args(["disk", "ephemeral"])
    if args.mode == "disk":
        expect(os.environ.get("DAGSTER_HOME", "").startswith(args.state), "DAGSTER_HOME must be inside --state")
        instance = DagsterInstance.get()
        resources = {"io_manager": FilesystemIOManager(base_dir=os.path.join(args.state, "storage"))}
    else:
        instance = DagsterInstance.ephemeral()
        resources = None
    run(make_job(args.shape, WARMUP_TASKS), instance, resources)
    job_def = make_job(args.shape, args.n)
    started = now_ms()
    result = run(job_def, instance, resources)
    run_ms = now_ms() - started
    succeeded = sum(1 for event in result.all_events if event.event_type_value == "STEP_SUCCESS")
    expect(succeeded == args.n, f"expected {args.n} ops to succeed, {succeeded} did")
    emit("dagster", args.mode, args, run_ms, None, durable=args.mode == "disk")


if __name__ == "__main__":
    main()
