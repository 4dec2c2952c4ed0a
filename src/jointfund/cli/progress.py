"""Progress bars for long work, on stderr so that stdout stays data; silent when not a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from jointfund.cli.output import console


class Advance:
    """`advance(n)` moves the bar on; `advance.total(n)` sets its length once the work is known."""

    __slots__ = ("_progress", "_redraw", "_task")

    def __init__(self, progress: Progress, task: TaskID, redraw: bool = False) -> None:
        self._progress, self._task, self._redraw = progress, task, redraw

    def __call__(self, n: int) -> None:
        self._progress.update(self._task, advance=n, refresh=self._redraw)

    def total(self, n: int) -> None:
        self._progress.update(self._task, total=n)


@contextlib.contextmanager
def bar(label: str, total: int | None, forks: bool = False) -> Iterator[Advance]:
    """Yields `advance`. Hidden when stderr is not a terminal (CI logs, pipes).

    With `forks` (the work forks worker processes: verify), the bar redraws when advanced instead of from a
    thread of its own: forking a process that runs other threads is unsafe, so verify would keep to one
    process while the bar's thread ran."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        disable=not sys.stderr.isatty(),
        transient=True,
        auto_refresh=not forks,
    )
    with progress:
        task = progress.add_task(label, total=total)
        yield Advance(progress, task, redraw=forks)
