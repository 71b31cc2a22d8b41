"""Shared command line and output of the peer benchmark scripts.

Each script runs one workload in one system: a warm-up run of a 200-task DAG
of the same shape and, where the system can skip up-to-date work, its re-run
(so that lazy imports, first-call set-up and, for dagbook, the JIT are not
counted on either path; `dagbook-run.ts` warms up the same way), then the
timed run, then, where the system can skip up-to-date work, a timed re-run of
the same DAG. It prints ONE JSON line on stdout; logs go to stderr.
Times are wall-clock milliseconds around the run call only.
"""

import argparse
import json
import sys
import time

WARMUP_TASKS = 200


def parse_args(modes):
    """Reads `--shape chain|fanout --n N --state DIR [--mode M]`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", choices=["chain", "fanout"], required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--state", required=True, help="an empty folder this run may write to")
    parser.add_argument("--mode", choices=modes, default=modes[0])
    return parser.parse_args()


def now_ms():
    """A monotonic clock in milliseconds."""
    return time.perf_counter() * 1000.0


def emit(system, mode, args, run_ms, cached_ms, durable, note=""):
    """Prints the one JSON line the driver reads."""
    line = {
        "system": system,
        "mode": mode,
        "shape": args.shape,
        "n": args.n,
        "runMs": round(run_ms, 3),
        "cachedMs": None if cached_ms is None else round(cached_ms, 3),
        "durable": durable,
        "note": note,
    }
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def expect(condition, message):
    """Stops with a message on stderr when a run did not do what it should."""
    if not condition:
        sys.stderr.write(message + "\n")
        sys.exit(2)
