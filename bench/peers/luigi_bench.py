"""Luigi: the local scheduler, one worker, a file target per task (Luigi's own
durable record of "done"). The re-run finds every target present and runs nothing."""

import logging
import os

import luigi

from peer_common import WARMUP_TASKS, emit, expect, now_ms, parse_args

finished = []


class Noop(luigi.Task):
    """A no-op task whose output is an empty file named after it."""

    root = luigi.Parameter()
    shape = luigi.Parameter()
    i = luigi.IntParameter()

    def requires(self):
        if self.i == 0:
            return []
        upstream = self.i - 1 if self.shape == "chain" else 0
        return [Noop(root=self.root, shape=self.shape, i=upstream)]

    def output(self):
        return luigi.LocalTarget(os.path.join(self.root, f"s{self.i}"))

    def run(self):
        with self.output().open("w"):
            pass


@Noop.event_handler(luigi.Event.SUCCESS)
def _count(task):
    finished.append(task.i)


def build(root, shape, n):
    os.makedirs(root, exist_ok=True)
    targets = [Noop(root=root, shape=shape, i=n - 1)] if shape == "chain" else [Noop(root=root, shape=shape, i=i) for i in range(n)]
    finished.clear()
    ok = luigi.build(targets, local_scheduler=True, workers=1, log_level="WARNING")
    expect(ok, f"luigi.build of {shape} {n} failed")
    return len(finished)


def main():
    args = parse_args(["file-targets"])
    logging.getLogger("luigi-interface").setLevel(logging.WARNING)
    warmup = os.path.join(args.state, "warmup")
    build(warmup, args.shape, WARMUP_TASKS)
    expect(build(warmup, args.shape, WARMUP_TASKS) == 0, "expected the warm-up's re-run to find every target")
    root = os.path.join(args.state, "run")
    started = now_ms()
    ran = build(root, args.shape, args.n)
    run_ms = now_ms() - started
    expect(ran == args.n, f"expected {args.n} tasks to run, {ran} did")
    started = now_ms()
    ran = build(root, args.shape, args.n)
    cached_ms = now_ms() - started
    expect(ran == 0, f"expected the re-run to find every target, {ran} tasks ran")
    emit("luigi", args.mode, args, run_ms, cached_ms, durable=True)


if __name__ == "__main__":
    main()
