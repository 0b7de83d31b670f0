"""How numbers are written in tables: shortest round-trip floats, errors in 2 digits."""

from __future__ import annotations

import math
from typing import Any

from diffkit.support.errors import DiffkitError


def _kind(v: Any) -> str | None:
    """"inf", "-inf" or "nan" for a non-finite float, else None."""
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return None


def strict(data: Any) -> Any:
    """``data`` (dicts, lists, numbers) made valid strict JSON (RFC 8259): every
    non-finite number becomes ``null`` and its kind is stated beside it, as
    ``"<key>_kind": "inf"`` for a dict entry, or ``"<key>_kinds": [null, "nan", …]``
    for the entries of a list (nested lists: the same shape).

    >>> strict({"value": float("inf"), "steps": [1.0, float("nan")]})
    {'value': None, 'steps': [1.0, None], 'value_kind': 'inf', 'steps_kinds': [None, 'nan']}
    """
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        kinds: dict[str, Any] = {}
        for key, value in data.items():
            if hasattr(value, "tolist") and not isinstance(value, str):  # numpy
                value = value.tolist()
            kind = _kind(value)
            if kind is not None:
                out[key] = None
                kinds[f"{key}_kind"] = kind
            elif isinstance(value, list | tuple):
                out[key] = strict(value)
                if _has_non_finite(value):
                    kinds[f"{key}_kinds"] = _kinds_of(value)
            else:
                out[key] = strict(value)
        out.update(kinds)
        return out
    if isinstance(data, list | tuple):
        return [None if _kind(v) else strict(v) for v in data]
    if hasattr(data, "tolist") and not isinstance(data, str):  # a numpy array or scalar
        return strict(data.tolist())
    return data


def _has_non_finite(values: Any) -> bool:
    return any(_kind(v) is not None or (isinstance(v, list | tuple) and _has_non_finite(v))
               for v in values)


def _kinds_of(values: Any) -> list[Any]:
    return [_kinds_of(v) if isinstance(v, list | tuple) else _kind(v) for v in values]


def number(v: float | None) -> str:
    """The shortest text that reads back as the same float64 (``52``, ``0.1``)."""
    if v is None:
        return "—"
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        return str(v)
    text = repr(v)
    return text.removesuffix(".0")


def error(v: float | None) -> str:
    if v is None:
        return "—"
    return "0" if v == 0 else f"{v:.1e}"


def seconds(v: float | None) -> str:
    if v is None:
        return "—"
    if v < 1e-3:
        return f"{v * 1e6:.0f} µs"
    if v < 1:
        return f"{v * 1e3:.1f} ms"
    return f"{v:.2f} s"


def count(v: int | None) -> str:
    return "—" if v is None else str(v)


def counted(n: int, noun: str) -> str:
    """``1 op``, ``5 ops``, ``1,000 lines``: a count with its noun in the right number."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def html_table(columns: list[str], rows: list[list[str]], failed: set[int] | None = None,
               caption: str = "", css_class: str = "diffkit", right: set[int] | None = None,
               flagged: set[int] | None = None) -> str:
    """An HTML table for notebooks: cells escaped, failed rows (by index) marked with
    the class ``dk-failed`` and shown in red, flagged ones (an answer not to be
    trusted) with ``dk-flagged`` in amber, a caption above.  No dependency: the
    notebook renders it."""
    import html  # only notebooks need it

    esc = html.escape
    failed = failed or set()
    flagged = flagged or set()
    right = right or set()
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for k, row in enumerate(rows):
        attrs = (' class="dk-failed" style="color:#b00020"' if k in failed
                 else ' class="dk-flagged" style="color:#b26a00"' if k in flagged else "")
        cells = "".join(
            f'<td style="text-align:{"right" if i in right else "left"};white-space:pre">'
            f"{esc(str(c))}</td>" for i, c in enumerate(row))
        body.append(f"<tr{attrs}>{cells}</tr>")
    top = f"<p>{caption}</p>" if caption else ""
    return (f'<div class="{css_class}">{top}<table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def to_dataframe(records: list[dict]):
    """A pandas DataFrame of ``records`` (one dict per row) when pandas is installed;
    pandas is not a dependency of diffkit."""
    try:
        import pandas as pd
    except ImportError:

        raise DiffkitError("to_dataframe needs pandas, which diffkit does not install: "
                           "pip install pandas (or use to_dict())") from None
    return pd.DataFrame.from_records(records)
