"""The pipeline's rules: which stage may follow which, and what alone may make each move.

Pure: the stages and transitions come from the terms (`[pipeline]`), never from code. A move
with a `decision` happens only by executing an approved proposal of that kind; any other is
recorded by a person, with a reason. Nothing leaves a terminal stage.
"""

from __future__ import annotations

from jointfund.terms.model import Pipeline, Transition

ANY = "*"


def transition(pipeline: Pipeline, current: str, target: str) -> Transition | None:
    """The transition from `current` to `target` the terms allow, or None."""
    stage = pipeline.stage(current)
    if stage is None or stage.terminal:
        return None
    for tr in pipeline.transitions:
        if tr.to == target and (current in tr.from_ or ANY in tr.from_):
            return tr
    return None


def next_stages(pipeline: Pipeline, current: str) -> list[Transition]:
    """Every transition that may leave `current`, in the terms' order."""
    stage = pipeline.stage(current)
    if stage is None or stage.terminal:
        return []
    return [tr for tr in pipeline.transitions if current in tr.from_ or ANY in tr.from_]


def refusal(pipeline: Pipeline, current: str, target: str, decision: str | None) -> str | None:
    """Why moving from `current` to `target` is refused (None: it is allowed).

    `decision` is the kind of the executed proposal making the move, or None for a person's move.
    """
    if pipeline.stage(target) is None:
        return (
            f"{target!r} is not a stage of the pipeline; stages: {', '.join(s.code for s in pipeline.stages)}"
        )
    stage = pipeline.stage(current)
    assert stage is not None, f"stored stage {current!r} is not in the terms"
    if stage.terminal:
        return f"the application is {current}, a final stage: nothing moves it any more"
    tr = transition(pipeline, current, target)
    if tr is None:
        allowed = ", ".join(_words(t) for t in next_stages(pipeline, current))
        return (
            f"the pipeline does not move an application from {current} to {target}; from {current} "
            f"it allows: {allowed}"
        )
    if tr.decision and decision != tr.decision:
        return (
            f"moving from {current} to {target} needs a decision: it happens only by executing an approved "
            f"{tr.decision} proposal about the application"
        )
    if not tr.decision and decision is not None:
        return (
            f"moving from {current} to {target} is recorded by a person with a reason, not by a "
            f"{decision} proposal"
        )
    return None


def acting_refusal(pipeline: Pipeline, current: str, decision: str) -> str | None:
    """Why an executed `decision` proposal may not act on an application at `current` (None: it may).

    It may where a transition of its kind leaves the stage, or where one led (a second tranche while
    disbursing); anywhere else it would book money the pipeline has not reached yet, e.g. a tranche
    before the agreement is signed. The refusal names the person's moves that lead where it may act.
    """
    stage = pipeline.stage(current)
    assert stage is not None, f"stored stage {current!r} is not in the terms"
    ours = [tr for tr in pipeline.transitions if tr.decision == decision]
    where = list(dict.fromkeys(s for tr in ours for s in (*tr.from_, tr.to) if s != ANY))
    if not stage.terminal and (current in where or any(ANY in tr.from_ for tr in ours)):
        return None
    if not where:
        return f"the pipeline gives a {decision} proposal no stage to act at"
    named = " or ".join(f"{s} ({pipeline.stage(s).name})" for s in where)  # type: ignore[union-attr]  # validated codes
    why = f"an executed {decision} proposal acts on an application only when it is {named}"
    first = [tr.to for tr in next_stages(pipeline, current) if tr.decision is None and tr.to in where]
    return why + (
        f"; first a person records its move to {' or '.join(first)}, with a reason" if first else ""
    )


def _words(tr: Transition) -> str:
    return f"{tr.to} (by executing a {tr.decision} proposal)" if tr.decision else tr.to
