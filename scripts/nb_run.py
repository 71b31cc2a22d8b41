"""Headless notebook runner for dagbook, built on nbclient.

Runs every code cell of a notebook in a fresh kernel started in the
notebook's folder, writes the executed notebook, and reports each failing
cell as JupyterLab shows it: its position among all cells (from 1, markdown
cells counted) and its execution count `[n]`, with the first line of its
source and the error text.

It copes with two quirks of the tslab kernel:
  * an error is reported only as text on the stderr stream: the execute
    reply has no ename/evalue/traceback, so the error text is read from the
    cell's stderr output;
  * every execute request that arrives within ~200 ms after an error is
    aborted, so after an error the runner waits before sending the next
    cell, and re-sends a cell whose reply says "aborted".
Later cells still run after a failing one: nothing is skipped silently.

And with one of tslab's start-up: a kernel_info request that reaches the
kernel while its sockets are still binding fails inside tslab ("Socket is
blocked by a bind or unbind operation") and leaves the kernel alive but
deaf, so nbclient gives up after its start-up timeout. The runner then
starts a new kernel, up to STARTUP_ATTEMPTS times, before any cell ran.

Usage: python nb_run.py NOTEBOOK [--out PATH] [--timeout SECONDS] [--kernel NAME] [--report PATH]
Exit code: 0 when every cell succeeded, 1 when a cell failed, 2 on bad usage.
"""
import argparse
import json
import os
import re
import sys
import time
import warnings

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

# tslab aborts requests arriving within ~200 ms after an error; 300 ms is safe.
AFTER_ERROR_PAUSE_S = 0.3
ABORT_RETRIES = 3
# Kernels started before giving up when a kernel never answers at start-up.
STARTUP_ATTEMPTS = 3
# Seconds a kernel has to answer at start-up (nbclient's default is 60; DAGBOOK_NB_STARTUP_TIMEOUT overrides it).
STARTUP_TIMEOUT_S = float(os.environ.get("DAGBOOK_NB_STARTUP_TIMEOUT", "30"))


def first_line(source):
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


ERROR_LINE = re.compile(r"^\s*([A-Za-z_$][\w$.]*)?(Error|Exception)\b")


def summary_line(text):
    """The line that names the error (`Error: boom`), else the first non-empty line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if ERROR_LINE.match(line):
            return line
    return lines[0] if lines else text


def error_text(cell, reply_content):
    """The error text of a failed cell: ename/evalue when the kernel gave them, else its stderr."""
    ename = reply_content.get("ename")
    evalue = reply_content.get("evalue")
    if ename or evalue:
        return f"{ename}: {evalue}" if ename else str(evalue)
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    text = "".join(parts).strip()
    return text or "the kernel reported an error without a message"


class Runner:
    def __init__(self, nb, path, kernel, timeout):
        self.nb = nb
        self.path = path
        self.kernel = kernel
        self.timeout = timeout
        self.replies = {}
        self.client = self._new_client()

    def _new_client(self):
        return NotebookClient(
            self.nb,
            timeout=self.timeout,
            startup_timeout=STARTUP_TIMEOUT_S,
            kernel_name=self.kernel,
            allow_errors=True,
            interrupt_on_timeout=True,
            resources={"metadata": {"path": os.path.dirname(os.path.abspath(self.path))}},
            on_cell_executed=self._on_executed,
        )

    def _on_executed(self, cell, cell_index, execute_reply):
        self.replies[cell_index] = execute_reply

    def run(self):
        for attempt in range(1, STARTUP_ATTEMPTS + 1):
            kernel = self.client.setup_kernel()
            try:
                kernel.__enter__()
            except RuntimeError as e:
                # Raised before any cell ran: the kernel never answered (or died) at start-up.
                if attempt == STARTUP_ATTEMPTS:
                    raise
                print(f"dagbook nb run: the kernel did not start ({e}); starting another ({attempt + 1} of {STARTUP_ATTEMPTS})", file=sys.stderr)
                self.client = self._new_client()
                continue
            cells = []
            try:
                for index, cell in enumerate(self.nb.cells):
                    if cell.cell_type == "code":
                        cells.append(self._run_cell(index, cell))
            finally:
                kernel.__exit__(None, None, None)
            return cells

    def _run_cell(self, index, cell):
        started = time.monotonic()
        # The position JupyterLab shows (its cells are numbered from 1, markdown included).
        number = index + 1
        result = {"cell": number, "index": index, "firstLine": first_line(cell.source)}
        for _ in range(ABORT_RETRIES + 1):
            self.replies.pop(index, None)
            try:
                self.client.execute_cell(cell, index)
            except CellTimeoutError:
                result.update(status="timeout", error=f"cell {number} timed out after {self.client.timeout:g} s")
                time.sleep(AFTER_ERROR_PAUSE_S)
                break
            except DeadKernelError as e:
                result.update(status="error", error=f"the kernel died: {e}")
                break
            reply = (self.replies.get(index) or {}).get("content", {})
            status = reply.get("status", "ok")
            if status == "aborted":
                # A request that arrived too soon after an error: wait and send it again.
                time.sleep(AFTER_ERROR_PAUSE_S)
                continue
            if status == "error":
                text = error_text(cell, reply)
                if time.monotonic() - started >= self.client.timeout:
                    # nbclient interrupted the kernel on timeout; the reply is the interruption.
                    result.update(status="timeout", error=f"cell {number} timed out after {self.client.timeout:g} s and was interrupted", detail=text)
                else:
                    result.update(status="error", error=summary_line(text), detail=text)
                time.sleep(AFTER_ERROR_PAUSE_S)
            else:
                result.update(status="ok")
            break
        else:
            result.update(status="aborted", error=f"the kernel aborted cell {number} {ABORT_RETRIES + 1} times")
        # tslab sends no execute_input, so nbclient never sets the prompt number: take it from the reply,
        # and write it into the cell so the executed notebook shows the same `[n]` as the report.
        count = cell.get("execution_count")
        if not isinstance(count, int):
            count = (self.replies.get(index) or {}).get("content", {}).get("execution_count")
        if isinstance(count, int):
            cell["execution_count"] = count
        result["executionCount"] = count if isinstance(count, int) else None
        result["durationMs"] = round((time.monotonic() - started) * 1000, 1)
        return result


def cell_label(cell):
    """`cell 3 [2]`: the cell's position and, when it has one, its execution count."""
    count = cell.get("executionCount")
    return f"cell {cell['cell']}" + ("" if count is None else f" [{count}]")


def main(argv):
    parser = argparse.ArgumentParser(description="Run a notebook headlessly.")
    parser.add_argument("notebook")
    parser.add_argument("--out", help="write the executed notebook here")
    parser.add_argument("--timeout", type=float, default=120, help="per-cell timeout in seconds (default 120)")
    parser.add_argument("--kernel", help="kernel name (default: the notebook's own, else tslab)")
    parser.add_argument("--report", help="write a JSON report here")
    args = parser.parse_args(argv)

    # Hand-written notebooks often lack cell ids; nbformat fills them in.
    warnings.filterwarnings("ignore", message="Cell is missing an id field")
    try:
        nb = nbformat.read(args.notebook, as_version=4)
    except (OSError, ValueError) as e:
        print(f"dagbook nb run: cannot read {args.notebook}: {e}", file=sys.stderr)
        return 2
    kernel = args.kernel or nb.metadata.get("kernelspec", {}).get("name") or "tslab"

    started = time.monotonic()
    cells = Runner(nb, args.notebook, kernel, args.timeout).run()
    failures = [c for c in cells if c["status"] != "ok"]
    report = {
        "notebook": args.notebook,
        "kernel": kernel,
        "ok": not failures,
        "cells": cells,
        "failures": failures,
        "durationMs": round((time.monotonic() - started) * 1000, 1),
    }
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        nbformat.write(nb, args.out)
    if args.report:
        with open(args.report, "w") as f:
            json.dump(report, f, indent=2)
    for failure in failures:
        print(
            f"{args.notebook}: {cell_label(failure)} (`{failure['firstLine']}`) failed: {failure['error']}",
            file=sys.stderr,
        )
    print(f"{args.notebook}: {len(cells) - len(failures)} of {len(cells)} cells ok", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
