"""Kedro: a pipeline of nodes run by the SequentialRunner on an in-memory
catalog. Kedro keeps no run state, so there is no re-run to skip (n/a)."""

import logging

from kedro.io import DataCatalog
from kedro.pipeline import Pipeline, node
from kedro.runner import SequentialRunner

from peer_common import WARMUP_TASKS, emit, expect, now_ms, parse_args


def noop(*_inputs):
    # Kedro refuses to save None into a dataset, so a no-op returns a small value.
    return 0


def make_pipeline(shape, n):
    nodes = [node(noop, inputs=None, outputs="d0", name="s0")]
    for i in range(1, n):
        upstream = f"d{i - 1}" if shape == "chain" else "d0"
        nodes.append(node(noop, inputs=upstream, outputs=f"d{i}", name=f"s{i}"))
    return Pipeline(nodes)


def run(pipeline):
    SequentialRunner().run(pipeline, DataCatalog())


def main():
    args = parse_args(["memory"])
    logging.getLogger("kedro").setLevel(logging.WARNING)
    run(make_pipeline(args.shape, WARMUP_TASKS))
    pipeline = make_pipeline(args.shape, args.n)
    expect(len(pipeline.nodes) == args.n, f"expected {args.n} nodes, got {len(pipeline.nodes)}")
    started = now_ms()
    run(pipeline)
    run_ms = now_ms() - started
    emit("kedro", args.mode, args, run_ms, None, durable=False, note="keeps no state")


if __name__ == "__main__":
    main()
