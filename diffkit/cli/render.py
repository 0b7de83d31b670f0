"""Comparison → rich table | JSON | CSV | Markdown.  Formatting only."""

from __future__ import annotations

from diffkit import Comparison
from diffkit.support.formatting import seconds


def terminal_safe(text: str) -> str:
    """``text`` with control characters escaped (ESC as ``\\x1b``, a newline as
    ``\\n``): what a user typed is echoed as one line and never drives the terminal."""
    out = []
    for ch in str(text):
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 32 or 127 <= ord(ch) < 160 or ch in "\u2028\u2029\u202e\u202d":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def to_json(result) -> str:
    """Any result with ``to_dict()`` (Comparison, Sweep, Trace) as JSON."""
    import json

    return json.dumps(result.to_dict(), indent=2, allow_nan=False, default=str,
                      ensure_ascii=False)


def to_csv(comparison: Comparison) -> str:
    """One row per method; a column per derivative (d/dx, or df2/dx1 for a Jacobian)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = comparison.variables
    vector = isinstance(comparison.value, list)
    outputs = len(comparison.value) if vector else 1
    heads = [f"df{i + 1}/d{v}" if vector else f"d/d{v}" for i in range(outputs) for v in names]
    writer.writerow(["method", *heads, "abs_error", "rel_error", "ops", "evaluations",
                     "seconds", "error"])
    for r in comparison.results:
        cells = [repr(v) for row in r.jacobian for v in row] if r.jacobian else [""] * len(heads)
        writer.writerow([r.method, *cells, _blank(r.abs_error), _blank(r.rel_error),
                         _blank(r.ops), _blank(r.evaluations), _blank(r.seconds), r.error or ""])
    return out.getvalue()


def _blank(v) -> str:
    return "" if v is None else repr(v)


def to_markdown(comparison: Comparison) -> str:
    cols = [*Comparison.COLUMNS, "note"]
    lines = [f"    {s}" for s in comparison.summary_lines()]
    lines += ["", "| " + " | ".join(cols) + " |",
              "|" + "|".join(":--" if i < 2 or c == "note" else "--:" for i, c in enumerate(cols)) + "|"]
    for row in comparison.rows():
        cells = [row[c].replace("\n", "<br>").replace("|", "\\|") for c in cols]
        if row["failed"]:
            cells[-1] = "**error:** " + cells[-1]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


#: the narrowest note column worth having beside the numbers; below it notes go under
#: the table
NOTE_MIN_WIDTH = 28


def print_table(comparison: Comparison) -> None:
    """The comparison as a table that fits the console (``_fitted_table``); a long
    Jacobian row is broken between its entries, never inside a number."""
    from rich.text import Text

    console = _console()
    for line in comparison.summary_lines():
        console.print(Text(line))
    rows = comparison.rows()
    columns = Comparison.COLUMNS
    others = sum(_widest(c, [r[c] for r in rows]) for c in columns if c != "derivative")
    room = console.width - others - (len(columns) - 1)  # left for the derivative, borders off
    for r in rows:
        r["derivative"] = "\n".join(_reflow(line, room) for line in r["derivative"].split("\n"))
    _fitted_table(
        console, list(columns), [[r[c] for c in columns] for r in rows],
        notes=[("error: " if r["failed"] else "") + r["note"] for r in rows],
        labels=[r["method"] for r in rows], left={0, 1},
        styles=["red" if r["failed"] else "yellow" if r["flagged"] else None for r in rows])


def _widest(heading: str, cells: list[str]) -> int:
    return max([len(heading)] + [len(part) for cell in cells for part in cell.split("\n")])


def _fitted_table(console, headings: list[str], cells: list[list[str]], notes: list[str],
                  labels: list[str], left: set[int], styles: list[str | None] | None = None) -> None:
    """A table that fits the console: every column but the notes is as wide as its
    widest cell and never shrunk, cut or wrapped; the notes fill what is left,
    wrapped at spaces, or move under the table (``label: note``, one paragraph each)
    when fewer than ``NOTE_MIN_WIDTH`` columns are left.  Too wide even so, the table
    drops its borders."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    widths = [_widest(h, [row[i] for row in cells]) for i, h in enumerate(headings)]
    boxed = sum(widths) + 3 * len(widths) + 1  # rich's borders and padding
    notes_beside = console.width - boxed - 3 >= NOTE_MIN_WIDTH
    compact = boxed > console.width  # no borders, one space between columns
    table = Table(header_style="bold", box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD,
                  pad_edge=not compact, collapse_padding=compact, show_edge=not compact)
    for i, heading in enumerate(headings):
        table.add_column(heading, justify="left" if i in left else "right", no_wrap=True,
                         min_width=widths[i])
    if notes_beside:
        table.add_column("note", justify="left", overflow="fold", ratio=1)
    styles = styles or [None] * len(cells)
    for row, note, style in zip(cells, notes, styles, strict=True):
        table.add_row(*[Text(c) for c in row], *([Text(note)] if notes_beside else []), style=style)
    console.print(table)
    if not notes_beside:
        for label, note, style in zip(labels, notes, styles, strict=True):
            if note:
                console.print(Text(f"{label}: {note}", style=style))


def _reflow(line: str, width: int) -> str:
    """A matrix row ``[a, b, c]`` broken between entries into lines of at most
    ``width`` characters (entries are never cut; a single wider entry keeps its line)."""
    if len(line) <= width or ", " not in line:
        return line
    pieces, current = [], ""
    for entry in line.split(", "):
        candidate = f"{current}, {entry}" if current else entry
        if current and len(candidate) + 1 > width:
            pieces.append(current + ",")
            current = " " + entry
        else:
            current = candidate
    return "\n".join([*pieces, current])


def _console():
    """rich's console for tables: the terminal's width; when the output is not a
    terminal, ``COLUMNS`` if set, else 120."""
    import os

    from rich.console import Console

    width = None if _is_tty() or os.environ.get("COLUMNS", "").isdigit() else 120
    return Console(highlight=False, width=width)


def _is_tty() -> bool:
    import sys

    return sys.stdout.isatty()


def sweep_to_csv(result) -> str:
    import csv
    import io

    data = result.to_dict()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    schemes = list(data["errors"])
    writer.writerow(["step", *schemes])
    for i, h in enumerate(data["steps"]):
        writer.writerow([repr(h), *["" if data["errors"][k][i] is None else repr(data["errors"][k][i])
                                    for k in schemes]])
    return out.getvalue()


def print_sweep_table(result) -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console()
    what = "f'" if result.order == 1 else "f''"
    console.print(Text(f"{what} of {result.expression} at {result.variable} = "
                       f"{result.point[result.variable]:g}: exact {result.exact!r}"))
    console.print(Text(f"absolute errors over {len(result.steps)} steps from "
                       f"{result.steps.min():.0e} to {result.steps.max():.0e}"))
    table = Table(header_style="bold")
    columns = ["scheme", "best error", "at step", "predicted optimal step", "default step",
               "error at default step"]
    longest = max(len(k) for k in result.errors)
    for i, c in enumerate(columns):  # names and numbers whole; the headings may wrap
        table.add_column(c, justify="left" if i == 0 else "right", no_wrap=i == 0,
                         min_width=max(longest, 6) if i == 0 else 8)
    for row in result.rows():
        table.add_row(Text(row["scheme"]), *[Text("—" if row[c] is None else f"{row[c]:.2e}")
                                             for c in columns[1:]])
    console.print(table)
    for scheme, why in result.refused.items():
        console.print(Text(f"{scheme} not run: {why}"))


def print_scaling_table(report) -> None:
    from rich.text import Text

    console = _console()
    what = "the Hessian" if report.hessian else "the derivative"
    console.print(Text(f"{report.family}: measured cost of {what} as n grows"))
    cells, notes = [], []
    for r in report.rows:
        ratio = "—" if r["ops"] is None else f"{r['ops'] / r['function_ops']:.2f}"
        size = r.get("expression_ops")
        note = r["note"] or ""
        if r.get("gradient_equivalents") is not None:
            note = f"{r['gradient_equivalents']:.1f} gradient-equivalents"
        if size:
            note = f"derivative: {size['tree']:,} ops as printed, {size['graph']:,} as a graph" + (
                f", {size['cse']:,} after CSE" if size.get("cse") is not None else "")
        cells.append([str(r["n"]), r["method"], "—" if r["ops"] is None else f"{r['ops']:,}",
                      f"{r['function_ops']:,}", ratio,
                      "—" if r["evaluations"] is None else str(r["evaluations"]),
                      seconds(r["seconds"])])
        notes.append(note)
    _fitted_table(console, ["n", "method", "ops", "f ops", "ops / f", "evals", "time"], cells,
                  notes=notes, labels=[f"n = {c[0]}, {c[1]}" for c in cells], left={1})
