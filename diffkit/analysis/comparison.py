"""The result of a comparison: every method's row at one point, with the reference,
printed as a table, rendered as HTML in Jupyter, and ``to_dict()`` for JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from diffkit.analysis.extension import Extension
from diffkit.methods import MethodResult
from diffkit.methods.base import NO_DERIVATIVE, UNRELIABLE
from diffkit.support import formatting as fmt
from diffkit.support.plotting import plot_comparison

#: the largest derivative, in operations as printed, that the table shows / JSON includes
SHOWN_FORMULA_OPS = 200
JSON_FORMULA_OPS = 5_000


@dataclass
class Comparison:
    """Every method's derivative at one point, with its error against the reference.

    Prints as a table, renders as HTML in Jupyter, and ``to_dict()`` gives the JSON
    contract (see the README).
    """

    expression: str
    sympy_expression: sp.Expr
    point: dict[str, float]
    value: float | list[float] | None
    function_ops: int
    results: list[MethodResult]
    reference: dict[str, float] | None = None
    reference_jacobian: list[list[float]] | None = None  # rows: outputs, columns: variables
    reference_hessian: list[list[float]] | None = None
    reference_method: str | None = None  # one of reference.REFERENCE_METHODS
    reference_detail: str | None = None  # how it ran, in a sentence
    reference_digits: int | None = None
    reference_error: str | None = None
    value_error: str | None = None
    derivatives: dict[str, sp.Expr] | None = None
    derivative_ops: int | None = None  # the derivatives' size as printed (a tree)
    not_differentiable: list[str] = field(default_factory=list)
    one_sided: dict[str, tuple[float | None, float | None]] | None = None
    noise: str | None = None
    order: int = 1
    without_hessian: list[str] = field(default_factory=list)  # left out of a Hessian table
    extension: Extension | None = None  # at a removable singularity: the continuous one

    @property
    def variables(self) -> list[str]:
        return list(self.point)

    def result(self, method: str) -> MethodResult:
        for r in self.results:
            if r.method == method:
                return r
        raise KeyError(method)

    # -- the derivative as a formula --------------------------------------------
    def _printable(self, limit: int) -> bool:
        """Whether the derivatives are small enough to print (str() of a swollen
        derivative can take longer than computing it, and fills the screen)."""
        return self.derivative_ops is not None and self.derivative_ops <= limit

    def pretty(self) -> str:
        """The symbolic derivative(s), pretty-printed."""
        if not self.derivatives:
            return "(no symbolic derivative)"
        return "\n".join(
            f"∂f/∂{v} =\n{sp.pretty(d)}" if len(self.derivatives) > 1 else sp.pretty(d)
            for v, d in self.derivatives.items()
        )

    def latex(self) -> str:
        """The symbolic derivative(s) in LaTeX."""
        if not self.derivatives:
            return ""
        if len(self.derivatives) == 1:
            (d,) = self.derivatives.values()
            return rf"f'(x) = {sp.latex(d)}".replace("(x)", f"({self.variables[0]})")
        return r",\quad ".join(
            rf"\frac{{\partial f}}{{\partial {sp.latex(sp.Symbol(v))}}} = {sp.latex(d)}"
            for v, d in self.derivatives.items()
        )

    def _repr_latex_(self) -> str | None:
        return f"${self.latex()}$" if self.derivatives else None

    # -- the JSON contract ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return fmt.strict({
            "expression": self.expression,
            "variables": self.variables,
            "point": dict(self.point),
            "order": self.order,
            "value": self.value,
            "function_ops": self.function_ops,
            "reference": self.reference,
            "reference_jacobian": self.reference_jacobian,
            "reference_hessian": self.reference_hessian,
            "results": [r.to_dict() for r in self.results],
            "reference_method": self.reference_method,
            "reference_detail": self.reference_detail,
            "reference_digits": self.reference_digits,
            "reference_error": self.reference_error,
            "value_error": self.value_error,
            "derivative_expression": (
                {v: str(d) for v, d in self.derivatives.items()}
                if self.derivatives and self._printable(JSON_FORMULA_OPS) else None
            ),
            "derivative_ops": self.derivative_ops,
            "not_differentiable": list(self.not_differentiable),
            "one_sided": (
                {k: {"left": lr[0], "right": lr[1]} for k, lr in self.one_sided.items()}
                if self.one_sided is not None else None
            ),
            "noise": self.noise,
            "without_hessian": list(self.without_hessian),
            "continuous_extension": None if self.extension is None else {
                "value": self.extension.value, "derivative": self.extension.derivative},
        })

    # -- text and HTML -------------------------------------------------------------
    def summary_lines(self) -> list[str]:
        """The lines above the table: the point, f, the exact derivative."""
        where = ", ".join(f"{k} = {fmt.number(v)}" for k, v in self.point.items())
        args = ", ".join(fmt.number(v) for v in self.point.values())
        shown = self.expression if len(self.expression) <= 120 else (
            f"{self.expression[:100]}… ({len(self.expression):,} characters)")
        lines = [f"f = {shown}   at {where}"]
        if isinstance(self.value, list):
            shown_value = "(" + ", ".join(fmt.number(v) for v in self.value) + ")"
            lines.append(f"f({args}) = {shown_value}   ({_ops(self.function_ops)} per evaluation)")
        elif self.value is not None:
            lines.append(
                f"f({args}) = {fmt.number(self.value)}   ({_ops(self.function_ops)} per evaluation)"
            )
        else:
            lines.append(f"f cannot be evaluated here: {self.value_error}")
            if self.extension is not None:
                lines.append(f"its continuous extension: f = {self.extension.text_value}, "
                             f"f' = {self.extension.text_derivative} (SymPy limits from both sides)")
        if self.reference_hessian is not None or any(r.hessian for r in self.results):
            lines.append(f"Hessian (rows and columns: {', '.join(self.variables)})")
            for row in self.reference_hessian or []:
                lines.append("exact  [" + ", ".join(fmt.number(v) for v in row) + "]")
            lines.append(f"reference: {self.reference_error or self.reference_detail}")
            if self.without_hessian:
                lines.append(f"not shown: {', '.join(self.without_hessian)} "
                             "(first derivatives only)")
            return lines
        if isinstance(self.value, list) or (self.reference_jacobian and len(self.reference_jacobian) > 1):
            lines.append(f"Jacobian (rows: the {len(self.value or [])} outputs; columns: "
                         f"{', '.join(self.variables)})")
            for row in self.reference_jacobian or []:
                lines.append("exact  [" + ", ".join(fmt.number(v) for v in row) + "]")
            if not self.reference_jacobian:
                lines.append("exact  unavailable")
        for name in ([] if isinstance(self.value, list) or self.extension else self.variables):
            if not self.derivatives:
                formula = "?"
            elif self._printable(SHOWN_FORMULA_OPS):
                formula = str(self.derivatives[name])
            else:
                formula = f"(a formula of {self.derivative_ops:,} operations as printed)"
            k = self.order
            if len(self.variables) == 1:
                label = "f" + "'" * k if k <= 3 else f"f^({k})"
            else:
                power = {1: "", 2: "²", 3: "³", 4: "⁴"}[k]
                label = f"∂{power}f/∂{name}{power}"
            if self.reference is not None:
                exact = fmt.number(self.reference[name])
            elif self.one_sided is not None:
                left, right = self.one_sided[name]
                exact = (
                    f"not differentiable (left {_side(left)}, right {_side(right)})"
                    if left != right or left is None else f"{fmt.number(left)} (one-sided slopes agree)"
                )
            else:
                exact = "unavailable"
            lines.append(f"exact {label} = {formula} = {exact}" if formula != "?" or exact == "unavailable"
                         else f"exact {label} = {exact}")
        if self.reference_error:
            lines.append(f"reference: {self.reference_error}")
        elif self.reference_detail:
            lines.append(f"reference: {self.reference_detail}")
        lines.extend(f"note: {k}" for k in self.not_differentiable)
        if self.noise:
            lines.append(f"note: {self.noise}")
        return lines

    def rows(self) -> list[dict[str, str]]:
        """The table's cells as text, one dict per method (shared by every renderer)."""
        rows = []
        for r in self.results:
            matrix = r.jacobian if r.jacobian is not None else r.hessian
            if matrix is None:
                derivative = "—"
            elif r.derivative is None:  # a Jacobian or a Hessian: one line per row
                derivative = "\n".join("[" + ", ".join(fmt.number(v) for v in row) + "]"
                                       for row in matrix)
            elif len(r.derivative) == 1:
                derivative = fmt.number(next(iter(r.derivative.values())))
            else:
                derivative = "\n".join(f"{k}: {fmt.number(v)}" for k, v in r.derivative.items())
            rows.append({
                "method": r.method,
                "derivative": derivative,
                "abs error": fmt.error(r.abs_error),
                "rel error": fmt.error(r.rel_error),
                "ops": fmt.count(r.ops),
                "evals": fmt.count(r.evaluations),
                "time": fmt.seconds(r.seconds),
                "note": r.error if r.error else "; ".join(r.notes),
                "failed": "yes" if r.error else "",
                # answered, but says its number is not to be trusted here
                "flagged": "yes" if r.status in (UNRELIABLE, NO_DERIVATIVE) else "",
            })
        return rows

    COLUMNS = ("method", "derivative", "abs error", "rel error", "ops", "evals", "time")

    def __str__(self) -> str:
        rows = self.rows()
        expanded: list[list[str]] = []
        for row in rows:
            parts = row["derivative"].split("\n")
            for k, part in enumerate(parts):
                cells = [row[c] if k == 0 else "" for c in self.COLUMNS]
                cells[1] = part
                expanded.append(cells)
                if k == 0 and row["failed"]:
                    cells[1] = "error: " + row["note"]
        widths = [
            max([len(c)] + [len(cells[i]) for cells in expanded
                            if not (i == 1 and cells[1].startswith("error: "))])
            for i, c in enumerate(self.COLUMNS)
        ]

        def line(cells: list[str], note: str = "") -> str:
            if cells[1].startswith("error: "):
                return f"{cells[0]:<{widths[0]}}  {cells[1]}"
            text = "  ".join(
                f"{c:<{w}}" if i < 2 else f"{c:>{w}}"
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            return f"{text}  {note}".rstrip()

        notes = iter([row["note"] if not row["failed"] else "" for row in rows])
        body = [line(list(self.COLUMNS), "note"), line(["-" * w for w in widths], "----")]
        for cells in expanded:
            body.append(line(cells, next(notes) if cells[0] else ""))
        return "\n".join([*self.summary_lines(), "", *body])

    def __repr__(self) -> str:
        return f"<Comparison of {len(self.results)} methods on {self.expression!r}>\n{self}"

    def _repr_html_(self) -> str:
        import html  # only notebooks need it

        rows = self.rows()
        cells = [[row[c] for c in self.COLUMNS] + [("error: " if row["failed"] else "") + row["note"]]
                 for row in rows]
        return fmt.html_table(
            [*self.COLUMNS, "note"], cells, failed={k for k, r in enumerate(rows) if r["failed"]},
            flagged={k for k, r in enumerate(rows) if r["flagged"]},
            caption="<br>".join(html.escape(s) for s in self.summary_lines()),
            css_class="diffkit-comparison", right={2, 3, 4, 5, 6})

    def to_dataframe(self):
        """One row per method (the JSON results) as a pandas DataFrame, if pandas is
        installed."""
        return fmt.to_dataframe([r.to_dict() for r in self.results])

    def plot(self, ax: Any = None) -> Any:
        """Two bar charts side by side: each method's log10 relative error against the
        reference, and the operations it executed; a method that failed has no bar and
        its name is marked ✗.  Returns the matplotlib Figure."""

        return plot_comparison(self, ax=ax)


def _side(v: float | None) -> str:
    return "none" if v is None else fmt.number(v)


def _ops(n: int) -> str:
    return fmt.counted(n, "op")
