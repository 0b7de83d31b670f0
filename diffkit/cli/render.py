"""Comparison → rich table | JSON | CSV | Markdown.  Formatting only."""

from __future__ import annotations

from diffkit import Comparison


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


def print_table(comparison: Comparison) -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console()
    for line in comparison.summary_lines():
        console.print(Text(line))
    table = Table(header_style="bold")
    for i, column in enumerate(Comparison.COLUMNS):
        table.add_column(column, justify="left" if i < 2 else "right", no_wrap=i < 2)
    table.add_column("note", justify="left", overflow="fold")
    for row in comparison.rows():
        style = "red" if row["failed"] else "yellow" if row["flagged"] else None
        note = ("error: " if row["failed"] else "") + row["note"]
        table.add_row(*[Text(row[c]) for c in Comparison.COLUMNS], Text(note), style=style)
    console.print(table)


def _console():
    """rich's console for tables: 120 columns when the output is not a terminal."""
    from rich.console import Console

    return Console(highlight=False, width=None if _is_tty() else 120)


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
    for i, c in enumerate(columns):
        table.add_column(c, justify="left" if i == 0 else "right")
    for row in result.rows():
        table.add_row(Text(row["scheme"]), *[Text("—" if row[c] is None else f"{row[c]:.2e}")
                                             for c in columns[1:]])
    console.print(table)
    for scheme, why in result.refused.items():
        console.print(Text(f"{scheme} not run: {why}"))


def print_scaling_table(report) -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console()
    what = "the Hessian" if report.hessian else "the derivative"
    console.print(Text(f"{report.family}: measured cost of {what} as n grows"))
    table = Table(header_style="bold")
    for i, c in enumerate(["n", "method", "ops", "f ops", "ops / f", "evals", "time", "note"]):
        table.add_column(c, justify="left" if i in (1, 7) else "right")
    for r in report.rows:
        ratio = "—" if r["ops"] is None else f"{r['ops'] / r['function_ops']:.2f}"
        size = r.get("expression_ops")
        note = r["note"] or ""
        if r.get("gradient_equivalents") is not None:
            note = f"{r['gradient_equivalents']:.1f} gradient-equivalents"
        if size:
            note = f"derivative: {size['tree']:,} ops as printed, {size['graph']:,} as a graph" + (
                f", {size['cse']:,} after CSE" if size.get("cse") is not None else "")
        table.add_row(str(r["n"]), Text(r["method"]), "—" if r["ops"] is None else f"{r['ops']:,}",
                      f"{r['function_ops']:,}", ratio,
                      "—" if r["evaluations"] is None else str(r["evaluations"]),
                      "—" if r["seconds"] is None else f"{r['seconds']:.3g} s", Text(note))
    console.print(table)
