"""The results table: printed, and written into ``bench/RESULTS.md`` between two markers.

Only the part between the markers is replaced, so the explanations written around it
(how the figures were measured, what a missed target would need) stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench.common import BENCH, Section

RESULTS = BENCH / "RESULTS.md"
START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(sections: Sequence[Section]) -> str:
    lines = []
    for section in sections:
        lines += [
            f"### {section.title}",
            "",
            "| figure | ours | baseline | ratio | target | met |",
            "|---|--:|--:|--:|:-:|:-:|",
        ]
        for row in section.rows:
            met = "" if row.met is None else ("yes" if row.met else "**no**")
            cells = [row.figure, row.ours, row.baseline, row.ratio, row.target, met]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
        for note in section.notes:
            lines += [note, ""]
    return "\n".join(lines)


def plain(sections: Sequence[Section]) -> str:
    """The table for a terminal: fixed-width columns."""
    rows = [("figure", "ours", "baseline", "ratio", "target", "met")]
    for section in sections:
        rows.append((f"== {section.title}", "", "", "", "", ""))
        for row in section.rows:
            met = "" if row.met is None else ("yes" if row.met else "NO")
            rows.append((row.figure, row.ours, row.baseline, row.ratio, row.target, met))
    widths = [max(len(r[i]) for r in rows if not r[0].startswith("==")) for i in range(6)]
    out = []
    for row in rows:
        if row[0].startswith("=="):
            out.append("")
            out.append(row[0])
            continue
        out.append(
            "  ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            ).rstrip()
        )
    notes = [note for section in sections for note in section.notes]
    if notes:
        out += ["", *notes]
    return "\n".join(out)


def print_sections(sections: Sequence[Section]) -> None:
    print(plain(sections), flush=True)


def write(sections: Sequence[Section], header: str, path: Path = RESULTS) -> None:
    """Replace the part between the markers of ``path`` (or create the file)."""
    block = f"{START}\n{header}\n\n{markdown(sections)}\n{END}"
    if path.exists():
        text = path.read_text()
        if START in text and END in text:
            before = text[: text.index(START)]
            after = text[text.index(END) + len(END) :]
            path.write_text(before + block + after)
            return
    path.write_text(f"# Benchmark results\n\n{block}\n")
