"""Subset matching of JSON-like data, and polling with a deadline.

Daemons converge in their own time, so a test never sleeps and then asserts:
it polls the daemon's JSON until it contains what the test expects, or a
deadline passes (the FRR topotests' run_and_expect idea).  Matching is by
subset, so a test states only the fields it cares about and keeps working when
a daemon adds fields to its output.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable

__all__ = ["ABSENT", "assert_json_match", "json_subset_match", "wait_for", "wait_until"]


class _Absent:
    """Sentinel: as an expected dict value, the key must NOT be present."""

    def __repr__(self) -> str:
        return "ABSENT"


#: Use as an expected dict value to require that the key is missing, e.g.
#: {"routes": {"198.19.2.0/24": ABSENT}} once a route has been withdrawn.
ABSENT = _Absent()

_MAX_DIFF_LINES = 20


def _show(value: Any, limit: int = 200) -> str:
    """Compact one-line rendering for diff messages."""
    try:
        text = json.dumps(value, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_predicate(fn: Callable) -> str:
    return getattr(fn, "__doc__", None) or getattr(fn, "__name__", None) or repr(fn)


def _scalar_equal(actual: Any, expected: Any) -> bool:
    # JSON true is not 1: keep booleans from matching numbers.
    if isinstance(actual, bool) != isinstance(expected, bool):
        return False
    return actual == expected


def _match(actual: Any, expected: Any, path: str) -> list[str]:
    """Return the mismatches (empty list = match) of expected within actual."""
    if isinstance(expected, _Absent):
        return [f"{path}: expected absent, got {_show(actual)}"]
    if callable(expected):
        try:
            ok = expected(actual)
        except Exception as exc:  # a predicate that cannot judge is a mismatch
            return [f"{path}: predicate {_describe_predicate(expected)} raised {exc!r} "
                    f"on {_show(actual)}"]
        return [] if ok else [f"{path}: {_show(actual)} does not satisfy "
                              f"{_describe_predicate(expected)}"]
    if isinstance(expected, dict):
        return _match_dict(actual, expected, path)
    if isinstance(expected, (list, tuple)):
        return _match_list(actual, expected, path)
    if _scalar_equal(actual, expected):
        return []
    return [f"{path}: expected {_show(expected)}, got {_show(actual)}"]


def _match_dict(actual: Any, expected: dict, path: str) -> list[str]:
    if not isinstance(actual, dict):
        return [f"{path}: expected an object, got {_show(actual)}"]
    diffs = []
    for key, exp in expected.items():
        sub = f"{path}[{key!r}]"
        if isinstance(exp, _Absent):
            if key in actual:
                diffs.append(f"{sub}: expected absent, got {_show(actual[key])}")
        elif key not in actual:
            keys = ", ".join(sorted(map(str, actual))) or "none"
            diffs.append(f"{sub}: missing (keys present: {_show(keys, 120)})")
        else:
            diffs.extend(_match(actual[key], exp, sub))
    return diffs


def _match_list(actual: Any, expected: list, path: str) -> list[str]:
    """Every expected element must match a distinct actual element, any order.

    A greedy choice can fail where an assignment exists (an expected element
    that is a loose pattern may grab the only element a stricter one could
    use), so this finds a maximum bipartite matching with augmenting paths.
    Lists here are short (paths of a route, peers), so the cost is nothing.
    """
    if not isinstance(actual, (list, tuple)):
        return [f"{path}: expected a list, got {_show(actual)}"]
    fits = [[j for j, a in enumerate(actual) if not _match(a, e, f"{path}[{j}]")]
            for e in expected]
    owner: dict[int, int] = {}  # actual index -> expected index

    def assign(i: int, seen: set[int]) -> bool:
        for j in fits[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or assign(owner[j], seen):
                owner[j] = i
                return True
        return False

    diffs = []
    for i, exp in enumerate(expected):
        if assign(i, set()):
            continue
        if not fits[i]:
            detail = _closest_miss(actual, exp, path)
            diffs.append(f"{path}: no element matches expected [{i}] {_show(exp)}{detail}")
        else:
            diffs.append(f"{path}: expected [{i}] {_show(exp)} only matches elements already "
                         f"used by other expected elements (need distinct matches)")
    return diffs


def _closest_miss(actual: list, expected: Any, path: str) -> str:
    """The nearest candidate's mismatches, so the diff says what was off."""
    if not actual:
        return " (list is empty)"
    best = min((_match(a, expected, f"{path}[{j}]") for j, a in enumerate(actual)), key=len)
    return "; closest: " + "; ".join(best[:3])


def json_subset_match(actual: Any, expected: Any) -> tuple[bool, str]:
    """Does `actual` contain `expected`?  Returns (matched, diff_text).

    - dict: every expected key must be present and match; extra keys in
      actual are ignored.  An expected value of ABSENT requires the key to be
      missing.
    - list: every expected element must match a distinct actual element, in
      any order; extra actual elements are ignored.
    - callable: a predicate called with the actual value.
    - anything else: equality (booleans never equal numbers).

    diff_text is empty on a match, else one line per mismatch with a path like
    $['ipv4Unicast']['peers']['192.0.2.2']['state'].
    """
    diffs = _match(actual, expected, "$")
    if len(diffs) > _MAX_DIFF_LINES:
        diffs = diffs[:_MAX_DIFF_LINES] + [f"... and {len(diffs) - _MAX_DIFF_LINES} more"]
    return (not diffs, "\n".join(diffs))


def assert_json_match(actual: Any, expected: Any, what: str = "value") -> None:
    """Assert json_subset_match once, with the diff as the failure message.

    For values that are already final (no polling needed).
    """
    __tracebackhide__ = True
    ok, diff = json_subset_match(actual, expected)
    if not ok:
        raise AssertionError(f"{what} does not match:\n{diff}\n"
                             f"expected: {_show(expected, 1000)}\nactual: {_show(actual, 2000)}")


def _sleep_until_next(start: float, deadline_s: float, interval_s: float) -> bool:
    """Sleep one interval (never past the deadline); False once time is up."""
    remaining = start + deadline_s - time.monotonic()
    if remaining <= 0:
        return False
    time.sleep(min(interval_s, remaining))
    return True


def wait_for(fn: Callable[[], Any], expected: Any, deadline_s: float = 60.0,
             interval_s: float = 0.25, what: str | None = None,
             tolerate: tuple[type[BaseException], ...] = (Exception,)) -> Any:
    """Poll fn() until json_subset_match(result, expected) holds; return result.

    Returns as soon as it matches, so generous deadlines cost nothing when
    things work.  Exceptions of the `tolerate` types raised by fn (a daemon
    not answering yet) count as "not yet".  On timeout raises AssertionError
    with the last diff and the last value, for pytest to show.
    """
    __tracebackhide__ = True
    start = time.monotonic()
    polls, last, last_diff = 0, None, "never polled"
    while True:
        polls += 1
        try:
            last = fn()
            ok, last_diff = json_subset_match(last, expected)
            if ok:
                return last
        except tolerate as exc:
            last_diff = f"poll raised {exc!r}"
        if not _sleep_until_next(start, deadline_s, interval_s):
            break
    label = what or getattr(fn, "__name__", "value")
    raise AssertionError(
        f"{label}: no match after {deadline_s:g}s ({polls} polls)\n"
        f"last diff:\n{last_diff}\n"
        f"expected: {_show(expected, 1000)}\n"
        f"last value: {_show(last, 2000)}"
    )


def wait_until(predicate: Callable[[], Any], deadline_s: float = 60.0, what: str = "condition",
               interval_s: float = 0.2,
               tolerate: tuple[type[BaseException], ...] = ()) -> Any:
    """Poll predicate() until it returns something truthy; return that value.

    For conditions that are not JSON (a file appears, a socket answers).
    Exceptions of the `tolerate` types count as "not yet"; others propagate
    at once.  On timeout raises AssertionError naming `what`.
    """
    __tracebackhide__ = True
    start = time.monotonic()
    polls, last = 0, None
    while True:
        polls += 1
        try:
            last = predicate()
            if last:
                return last
        except tolerate as exc:
            last = exc
        if not _sleep_until_next(start, deadline_s, interval_s):
            break
    raise AssertionError(f"timed out after {deadline_s:g}s ({polls} polls) waiting for {what}; "
                         f"last result: {last!r}")
