"""Prefect 3: a flow of no-op tasks against Prefect's own local server (the
ephemeral server it starts in a subprocess, SQLite in PREFECT_HOME, which the
driver points at a temp folder). Tasks carry a cross-run cache policy
(inputs + task source), which makes Prefect persist each result, so that the
re-run is answered from its cache. Chain: each task is called with its
upstream's result. Fan-out: `map` on the default thread-pool task runner.

Prefect sends task-run states to its server after the flow call returns, so
a run is timed until the server holds every task run in a completed state
(polled every 100 ms); the time the flow call itself took is in the note."""

import time

from prefect import flow, task, unmapped
from prefect.cache_policies import INPUTS, TASK_SOURCE
from prefect.client.orchestration import get_client
from prefect.futures import wait

from peer_common import WARMUP_TASKS, emit, expect, now_ms, parse_args

POLL_S = 0.1
SAVE_TIMEOUT_S = 600


@task(cache_policy=INPUTS + TASK_SOURCE)
def noop(i, salt, upstream=None):
    return None


# `salt` keeps the warm-up's task runs from being cache hits of the timed run (the inputs are its cache key).
@flow
def chain_flow(n, salt):
    result = None
    for i in range(n):
        result = noop(i, salt, result)


@flow
def fanout_flow(n, salt):
    root = noop(0, salt)
    futures = noop.map(range(1, n), salt=unmapped(salt), upstream=unmapped(root))
    wait(futures)


def count_task_runs(client, flow_run_id, state_filter):
    body = {"flow_runs": {"id": {"any_": [str(flow_run_id)]}}, "task_runs": {"state": state_filter}}
    response = client.request("POST", "/task_runs/count", json=body)
    return int(response.json())


def run_until_saved(client, flow_fn, n, salt, state_filter):
    """Runs the flow; returns (ms until its n task runs are saved, ms of the flow call)."""
    started = now_ms()
    state = flow_fn(n, salt, return_state=True)
    returned = now_ms()
    expect(state.is_completed(), f"the flow ended {state.type}")
    flow_run_id = state.state_details.flow_run_id
    deadline = time.monotonic() + SAVE_TIMEOUT_S
    while count_task_runs(client, flow_run_id, state_filter) < n:
        expect(time.monotonic() < deadline, f"the server did not save {n} task runs within {SAVE_TIMEOUT_S} s")
        time.sleep(POLL_S)
    return now_ms() - started, returned - started


COMPLETED = {"type": {"any_": ["COMPLETED"]}}
CACHED = {"name": {"any_": ["Cached"]}}


def main():
    args = parse_args(["local-server"])
    flow_fn = chain_flow if args.shape == "chain" else fanout_flow
    with get_client(sync_client=True) as client:
        run_until_saved(client, flow_fn, WARMUP_TASKS, "warm-up", COMPLETED)
        run_until_saved(client, flow_fn, WARMUP_TASKS, "warm-up", CACHED)
        run_ms, call_ms = run_until_saved(client, flow_fn, args.n, "run", COMPLETED)
        cached_ms, cached_call_ms = run_until_saved(client, flow_fn, args.n, "run", CACHED)
    note = f"flow call returned after {call_ms:.0f} ms, cached re-run after {cached_call_ms:.0f} ms"
    emit("prefect", args.mode, args, run_ms, cached_ms, durable=True, note=note)


if __name__ == "__main__":
    main()
