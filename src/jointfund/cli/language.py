"""The language the CLI speaks (issue 12): `jointfund --lang uk`, else JOINTFUND_LANG, else a LANGUAGE or LANG
that starts with "uk", else English.

The domain writes its messages once, in English; the CLI says an error (a refusal, an import's problems) in
the chosen language through the pages' catalogue and templates (web.texts, i18n.recognise), so each text
has one source. Those modules load only when something is said in Ukrainian: `jointfund --help` stays fast.
A CLI hint the templates leave out ("; see: jointfund users list") is kept after the translated text: in a
terminal, the command is the way on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping

from jointfund.cli import flags
from jointfund.errors import InputError, JointfundError
from jointfund.i18n import N_

LANGUAGES = ("en", "uk")
DEFAULT = "en"
ENV = "JOINTFUND_LANG"
PROBLEMS_SHOWN = 50  # as errors.InputError.render lists them
_chosen = [DEFAULT]
# The words before a command in a CLI hint ("; see: jointfund users list"); the command stays as it is typed.
HINTS = (
    N_("see"),
    N_("run"),
    N_("import it with"),
    N_("import it first with"),
    N_("import one first"),
    N_("create one with"),
    N_("create the fund with"),
    N_("add such a user with"),
    N_("sign it with"),
    N_("register it with"),
)
_HINT = re.compile(r"(?P<sep>[;,:(]?\s*)(?P<lead>[a-z][a-z ]*?):\s*(?P<command>jointfund .*)", re.S)


def choose(option: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """--lang (or JOINTFUND_LANG, which Typer gives as the option), else the locale's LANGUAGE or LANG when it
    names Ukrainian, else English. Raises ValueError for a language the CLI does not speak."""
    if option:
        if option not in LANGUAGES:
            raise ValueError(f"expected one of {', '.join(LANGUAGES)}, got {option!r}")
        return option
    for variable in ("LANGUAGE", "LANG"):
        first = environ.get(variable, "").split(":")[0].strip().lower()
        if first:
            return "uk" if first.startswith("uk") else DEFAULT
    return DEFAULT


def use(lang: str) -> None:
    assert lang in LANGUAGES, lang
    _chosen[0] = lang


def current() -> str:
    return _chosen[0]


def speaker(lang: str) -> tuple[Callable[[str], str], Callable[[str], str]]:
    """(gettext, say) in `lang`: say(text) is a domain text in the language, its CLI hint kept."""
    from jointfund.i18n import translations
    from jointfund.web import texts

    gettext = translations(lang).gettext
    named = _namer(gettext)
    said = texts.words(named, gettext, lang)

    def say(text: str) -> str:
        short = texts.without_commands(text)
        hint = text[len(short) :] if text.startswith(short) else ""
        m = _HINT.fullmatch(hint)
        if m and m["lead"] in HINTS:  # "; see: jointfund users list" -> "; див.: jointfund users list"
            hint = f"{m['sep']}{gettext(m['lead'])}: {m['command']}"
        return said(text) + hint

    return gettext, say


def _namer(gettext: Callable[[str], str]) -> Callable[[str, str | None], str]:
    """A code of the shipped terms by its name (a resource, a stream); a code they lack, as it is."""
    made: list = []

    def named(kind: str, code: str | None) -> str:
        if not made:
            from jointfund.terms.loader import load_shipped
            from jointfund.terms.names import namer

            made.append(namer(load_shipped(), gettext))
        return made[0](kind, code)

    return named


def render(exc: JointfundError, lang: str | None = None) -> str:
    """`exc` as the CLI says it (flags.render: each problem at its flag), in `lang` (the chosen one)."""
    lang = current() if lang is None else lang
    if lang == DEFAULT:
        return flags.render(exc)
    gettext, say = speaker(lang)
    if not isinstance(exc, InputError):
        return (f"{flags.flag(exc.field)}: " if exc.field else "") + say(str(exc))
    problems = [flags.located(p) for p in exc.problems]
    lines = [say(f"{exc.summary}: {len(problems)} problem(s)")]
    for p in problems[:PROBLEMS_SHOWN]:
        got = "" if p.value is None else " " + gettext("(got %(value)s)") % {"value": _short(p.value)}
        lines.append(f"  {p.location}: {say(p.message)}{got}")
    if len(problems) > PROBLEMS_SHOWN:
        lines.append("  " + gettext("... and %(count)s more") % {"count": len(problems) - PROBLEMS_SHOWN})
    return "\n".join(lines)


def error_word(lang: str | None = None) -> str:
    """The word before an error on stderr ("error: ...")."""
    lang = current() if lang is None else lang
    return "error" if lang == DEFAULT else speaker(lang)[0]("error")


def _short(value: object) -> str:
    from jointfund.errors import _short as short

    return short(value)
