"""Score reply extraction: accuracy on two corpora, speed and memory.

Run from the repository root:  python -m benchmarks.replies [--corpus PATH] [--verbose]

1. The shared reply-trimmer corpus (plain bodies), looked up in --corpus, then
   $KITH_REPLY_CORPUS, then ../shared/corpora/reply-trimmer next to the repository.
2. Kith's own multi-client corpus (tests/fixtures/corpus: raw messages, plain and HTML),
   read through parse_message as `kith mail parse` reads a file, scored per family.
3. The hold-out set (tests/fixtures/holdout): the same layout, written apart from the
   extraction code to estimate how it does on mail it was not tuned on.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from community.incoming import MailKind
from mail.inbound.parse import parse_message
from mail.inbound.replies import extract_reply

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "reply-trimmer"
ENV_VAR = "KITH_REPLY_CORPUS"
OWN_CORPUS = REPO_ROOT / "tests" / "fixtures" / "corpus"
HOLDOUT = REPO_ROOT / "tests" / "fixtures" / "holdout"
# Folders whose cases are scored on their kind alone.
OWN_KINDS = {
    "automated": MailKind.AUTO_REPLY,
    "unusable": MailKind.REJECT,
    "bounces": MailKind.BOUNCE,
}
KNOWN_FAILING = "known-failing"


@dataclass(frozen=True)
class Case:
    name: str
    email: str
    expected: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    got: str
    want: str

    @property
    def passed(self) -> bool:
        return self.got == self.want

    @property
    def ratio(self) -> float:
        return difflib.SequenceMatcher(None, self.got, self.want).ratio()


def to_lf(text: str) -> str:
    # Kept apart from the extractor's own helper, so scoring does not trust the code it scores.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise(text: str) -> str:
    """The corpus README's scoring normalisation, applied to both sides alike:
    CRLF/CR to LF, trailing whitespace stripped per line, leading/trailing blank lines dropped.
    """
    lines = [line.rstrip() for line in to_lf(text).split("\n")]
    first = next((number for number, line in enumerate(lines) if line), len(lines))
    last = max((number for number, line in enumerate(lines) if line), default=-1)
    return "\n".join(lines[first : last + 1])


def find_corpus(option: str | None) -> Path:
    if option:
        return Path(option)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return DEFAULT_CORPUS


def read_text(path: Path) -> str:
    # Bytes, so CRLF endings reach the extractor untouched.
    return path.read_bytes().decode("utf-8", errors="replace")


def load_cases(corpus: Path) -> list[Case]:
    cases = []
    for email in sorted((corpus / "emails").glob("*.txt")):
        expected = corpus / "trimmed" / email.name
        if expected.is_file():
            cases.append(Case(email.stem, read_text(email), read_text(expected)))
    return cases


def score(cases: Sequence[Case]) -> list[Outcome]:
    return [
        Outcome(case, normalise(extract_reply(case.email)), normalise(case.expected))
        for case in cases
    ]


def short_diff(outcome: Outcome, context: int = 1) -> str:
    diff = difflib.unified_diff(
        outcome.want.split("\n"),
        outcome.got.split("\n"),
        fromfile="expected",
        tofile="got",
        n=context,
        lineterm="",
    )
    return "\n".join(line[:160] for line in diff)


def messages_per_second(work: Callable[[str], object], emails: Sequence[str], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for email in emails:
            work(email)
    elapsed = time.perf_counter() - start
    return len(emails) * repeat / elapsed if elapsed > 0 else float("inf")


def split_baseline(email: str) -> list[str]:
    """The least any extractor must do: normalise line endings and split into lines."""
    return to_lf(email).split("\n")


def traced_peak_kib(emails: Sequence[str]) -> float:
    tracemalloc.start()
    try:
        for email in emails:
            extract_reply(email)
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


def max_rss_mib() -> float | None:
    try:
        import resource
    except ImportError:  # the resource module is Unix-only
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def report(outcomes: Sequence[Outcome], emails: Sequence[str], repeat: int, verbose: bool) -> None:
    failures = [outcome for outcome in outcomes if not outcome.passed]
    if verbose:
        for outcome in failures:
            print(f"FAIL {outcome.case.name} (ratio {outcome.ratio:.3f})")
            print(short_diff(outcome))
            print()
    elif failures:
        print("failing:", ", ".join(outcome.case.name for outcome in failures))

    ours = messages_per_second(extract_reply, emails, repeat)
    baseline = messages_per_second(split_baseline, emails, repeat)
    peak = traced_peak_kib(emails)
    rss = max_rss_mib()

    total = len(outcomes)
    passed = total - len(failures)
    mean_ratio = sum(outcome.ratio for outcome in outcomes) / total
    print(f"exact matches: {passed}/{total} = {100 * passed / total:.1f}%")
    print(f"mean similarity (difflib ratio): {mean_ratio:.4f}")
    print(f"throughput: {ours:,.0f} messages/s over {repeat} passes of {total} messages")
    print(
        f"baseline (normalise line endings + split): {baseline:,.0f} messages/s; "
        f"extraction runs at {ours / baseline:.3f}x the baseline "
        f"({baseline / ours:.1f}x slower)"
    )
    memory = f"peak memory: {peak:,.1f} KiB traced during one pass"
    if rss is not None:
        memory += f", max RSS {rss:,.1f} MiB"
    print(memory)


@dataclass(frozen=True)
class RawCase:
    family: str
    name: str
    raw: bytes
    kind: MailKind
    expected: str | None  # None: only the kind is scored


def load_own_cases(corpus: Path) -> list[RawCase]:
    cases = []
    for path in sorted(corpus.glob("*/*.eml")):
        family = path.parent.name
        expected_path = path.with_name(path.stem + ".expected.txt")
        expected = read_text(expected_path) if expected_path.is_file() else None
        kind = OWN_KINDS.get(family, MailKind.POST)
        if family == KNOWN_FAILING and expected is None:
            kind = _known_failing_kind(path)
        cases.append(RawCase(family, path.stem, path.read_bytes(), kind, expected))
    return cases


def _known_failing_kind(path: Path) -> MailKind:
    """A known-failing case without expected text names its kind's folder in its stem
    (`bounces__NAME`), so it is still scored against the kind it should have."""
    folder = path.stem.split("__", 1)[0]
    return OWN_KINDS.get(folder, MailKind.POST)


def own_passed(case: RawCase) -> tuple[bool, str]:
    mail = parse_message(case.raw, our_domain="kith.example")
    if mail.kind is not case.kind:
        return False, f"kind {mail.kind.value}, wanted {case.kind.value}"
    if case.expected is not None and normalise(mail.reply) != normalise(case.expected):
        return False, "reply differs"
    return True, ""


def report_own(
    cases: Sequence[RawCase], repeat: int, verbose: bool, corpus: Path = OWN_CORPUS
) -> None:
    families: dict[str, list[bool]] = {}
    failing = []
    for case in cases:
        ok, why = own_passed(case)
        families.setdefault(case.family, []).append(ok)
        if not ok and case.family != KNOWN_FAILING:
            failing.append(f"{case.family}/{case.name} ({why})")
    title = "hold-out set" if corpus == HOLDOUT else "Kith's multi-client corpus"
    print(f"\n== {title} ({corpus.relative_to(REPO_ROOT)})")
    for family, results in sorted(families.items()):
        label = f"{family} (expected to fail)" if family == KNOWN_FAILING else family
        print(f"  {label:<34} {sum(results):>3}/{len(results):<3}")
    scored = [
        ok for family, results in families.items() if family != KNOWN_FAILING for ok in results
    ]
    passed = sum(scored)
    print(f"exact matches: {passed}/{len(scored)} = {100 * passed / max(1, len(scored)):.1f}%")
    if failing:
        print(
            "failing:",
            "; ".join(failing) if verbose else ", ".join(f.split(" (")[0] for f in failing),
        )
    raws = [case.raw for case in cases]
    start = time.perf_counter()
    for _ in range(repeat):
        for raw in raws:
            parse_message(raw, our_domain="kith.example")
    elapsed = time.perf_counter() - start
    rate = len(raws) * repeat / elapsed if elapsed > 0 else float("inf")
    print(f"throughput: {rate:,.0f} messages/s through parse_message ({repeat} passes)")
    tracemalloc.start()
    try:
        for raw in raws:
            parse_message(raw, our_domain="kith.example")
        peak = tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()
    print(f"peak memory: {peak:,.1f} KiB traced during one pass")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", help=f"corpus directory (default: ${ENV_VAR} or sibling)")
    parser.add_argument("--verbose", "-v", action="store_true", help="show a diff per failure")
    parser.add_argument("--repeat", type=int, default=20, help="passes for the speed figures")
    args = parser.parse_args(argv)

    corpus = find_corpus(args.corpus)
    print(f"== shared reply-trimmer corpus ({corpus})")
    cases = load_cases(corpus) if (corpus / "emails").is_dir() else []
    if cases:
        report(score(cases), [case.email for case in cases], max(1, args.repeat), args.verbose)
    else:
        print(f"not found at {corpus}; pass --corpus PATH or set ${ENV_VAR}. Skipped.")
    report_own(load_own_cases(OWN_CORPUS), max(1, args.repeat // 4), args.verbose)
    if HOLDOUT.is_dir():
        report_own(load_own_cases(HOLDOUT), max(1, args.repeat // 4), args.verbose, HOLDOUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
