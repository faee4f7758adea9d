"""Summaries, the results table and the bar chart of the benchmark."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any


def spread(values: list[float]) -> dict[str, float] | None:
    """Return the median, min and max of a list of numbers, or None for an empty list."""
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarize_side(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Summarize the runs of one side of one case."""
    if not runs:
        return None
    requests = [run["requests"] for run in runs]
    median_requests = statistics.median(requests)
    # The operation counts of the run closest to the median request count;
    # the runs of a case usually send exactly the same requests.
    typical = min(runs, key=lambda run: abs(run["requests"] - median_requests))
    return {
        "runs": len(runs),
        "failed_runs": sum(1 for run in runs if run["returncode"] != 0 or run["failed_hosts"]),
        "seconds": spread([run["seconds"] for run in runs]),
        "cpu_seconds": spread([run["cpu_seconds"] for run in runs]),
        "requests": spread(requests),
        "reads": spread([run["reads"] for run in runs]),
        "writes": spread([run["writes"] for run in runs]),
        "changed": spread([run["changed"] for run in runs]),
        "by_operation": typical["by_operation"],
    }


def pair_ratios(ours: list[dict[str, Any]], peer: list[dict[str, Any]], field: str) -> dict[str, float] | None:
    """Return the spread of ours/peer for ``field``, one ratio per pair of runs made one after the other."""
    ratios = [mine[field] / theirs[field] for mine, theirs in zip(ours, peer) if theirs[field]]
    return spread(ratios)


def summarize_case(case: dict[str, Any]) -> dict[str, Any]:
    """Add the per-side summaries and the per-pair ratios to one case's record."""
    ours, peer = case["runs"].get("ours", []), case["runs"].get("peer", [])
    case["summary"] = {"ours": summarize_side(ours), "peer": summarize_side(peer)}
    if ours and peer:
        case["ratios"] = {
            "seconds": pair_ratios(ours, peer, "seconds"),
            "cpu_seconds": pair_ratios(ours, peer, "cpu_seconds"),
            "requests": pair_ratios(ours, peer, "requests"),
        }
    else:
        case["ratios"] = None
    return case


def _format_spread(values: dict[str, float] | None, unit: str = "", digits: int = 2) -> str:
    if values is None:
        return "-"
    median = f"{values['median']:.{digits}f}{unit}"
    if values["min"] == values["max"]:
        return median
    return f"{median} ({values['min']:.{digits}f}-{values['max']:.{digits}f})"


def _format_count(values: dict[str, float] | None) -> str:
    if values is None:
        return "-"
    if values["min"] == values["max"]:
        return f"{values['median']:g}"
    return f"{values['median']:g} ({values['min']:g}-{values['max']:g})"


def table_rows(cases: list[dict[str, Any]]) -> list[list[str]]:
    """Return the rows of the results table: one per case and side, with the ratios on the first row."""
    rows = []
    for case in cases:
        for side in ("ours", "peer"):
            summary = case["summary"][side]
            if summary is None:
                continue
            ratios = case["ratios"] if side == "ours" and case["ratios"] else None
            failed = f"{summary['failed_runs']}/{summary['runs']}" if summary["failed_runs"] else ""
            rows.append(
                [
                    case["title"] if side == "ours" or case["summary"]["ours"] is None else "",
                    side,
                    str(summary["runs"]),
                    _format_spread(summary["seconds"], " s"),
                    _format_spread(summary["cpu_seconds"], " s", digits=1),
                    _format_count(summary["requests"]),
                    _format_count(summary["reads"]),
                    _format_count(summary["writes"]),
                    _format_count(summary["changed"]),
                    _format_spread(ratios["seconds"]) if ratios else "",
                    _format_spread(ratios["cpu_seconds"]) if ratios else "",
                    _format_spread(ratios["requests"]) if ratios else "",
                    failed,
                ]
            )
    return rows


TABLE_HEADER = [
    "case",
    "side",
    "runs",
    "wall time median (min-max)",
    "CPU time",
    "requests",
    "reads",
    "writes",
    "changed",
    "time ratio",
    "CPU ratio",
    "request ratio",
    "failed runs",
]


def format_table(cases: list[dict[str, Any]], markdown: bool = False) -> str:
    """Format the results table as aligned text, or as a Markdown table."""
    rows = table_rows(cases)
    if markdown:
        lines = ["| " + " | ".join(TABLE_HEADER) + " |", "|" + "---|" * len(TABLE_HEADER)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[index]) for row in [TABLE_HEADER, *rows]) for index in range(len(TABLE_HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(TABLE_HEADER, widths))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) for row in rows]
    return "\n".join(lines)


def draw_chart(cases: list[dict[str, Any]], path: Path, subtitle: str) -> None:
    """Draw wall time, CPU time and requests per case, this collection beside the peer, as a PNG."""
    # Imported here so that the rest of the benchmark runs without matplotlib.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paired = [case for case in cases if case["summary"]["ours"] and case["summary"]["peer"]]
    labels = [case["short_title"] for case in paired]
    positions = list(range(len(paired)))
    width = 0.38
    colors = {"ours": "#2b6cb0", "peer": "#c05621"}
    names = {"ours": "logsafe.aws", "peer": "amazon.aws + community.aws"}

    figure, (time_axis, cpu_axis, request_axis) = plt.subplots(3, 1, figsize=(11, 12), constrained_layout=True)
    for offset, side in ((-width / 2, "ours"), (width / 2, "peer")):
        seconds = [case["summary"][side]["seconds"] for case in paired]
        medians = [value["median"] for value in seconds]
        errors = [
            [value["median"] - value["min"] for value in seconds],
            [value["max"] - value["median"] for value in seconds],
        ]
        x = [position + offset for position in positions]
        # Cases with failed runs are hatched and labelled, because their
        # numbers include error handling and retries.
        failed = [bool(case["summary"][side]["failed_runs"]) for case in paired]
        hatches = ["//" if value else "" for value in failed]
        bars = time_axis.bar(
            x, medians, width, yerr=errors, capsize=3, color=colors[side], label=names[side], hatch=hatches
        )
        time_axis.bar_label(
            bars,
            labels=[f"{value:.1f}" + (" failed" if bad else "") for value, bad in zip(medians, failed)],
            padding=2,
            fontsize=8,
        )
        cpu = [case["summary"][side]["cpu_seconds"]["median"] for case in paired]
        bars = cpu_axis.bar(x, cpu, width, color=colors[side], label=names[side], hatch=hatches)
        cpu_axis.bar_label(bars, labels=[f"{value:.1f}" for value in cpu], padding=2, fontsize=8)
        requests = [case["summary"][side]["requests"]["median"] for case in paired]
        bars = request_axis.bar(x, requests, width, color=colors[side], label=names[side], hatch=hatches)
        request_axis.bar_label(bars, labels=[f"{value:g}" for value in requests], padding=2, fontsize=8)

    time_axis.set_ylabel("wall time, s (median; whiskers: min and max)")
    cpu_axis.set_ylabel("CPU time of all processes, s (median)")
    request_axis.set_ylabel("AWS API requests per run (median)")
    for axis in (time_axis, cpu_axis, request_axis):
        axis.set_xticks(positions, labels, fontsize=9)
        axis.legend(loc="upper left")
        axis.grid(axis="y", alpha=0.3)
        axis.set_axisbelow(True)
    time_axis.set_title(f"logsafe.aws beside amazon.aws and community.aws against moto\n{subtitle}", fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
