# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Markdown form of an audit result, for a report that an auditor can keep."""

from __future__ import annotations

from typing import Any, Dict, List

from ansible_collections.logsafe.aws.plugins.module_utils._audit_checks import PASS, SKIPPED, STATUSES, render


def _cell(text: Any) -> str:
    # A pipe ends a Markdown table cell and a newline ends the row.
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def summary_line(name: str, status: str, counts: Dict[str, int]) -> str:
    """Return the one-line summary of one bucket: its name, its worst status and the count of each status."""
    return f"{name}: {status} (" + ", ".join(f"{counts[item]} {item}" for item in STATUSES) + ")"


def render_markdown(result: Dict[str, Any]) -> str:
    """Render the whole audit result: a summary table, then each bucket's checks and the details of the findings."""
    lines: List[str] = [
        "# S3 logs bucket audit",
        "",
        f"Generated {result['generated_at']} in region {result['region']}"
        + (f" for account {result['account_id']}" if result.get("account_id") else "")
        + ". Every check only read settings; nothing was changed.",
        "",
        "## Summary",
        "",
        "| bucket | status | " + " | ".join(STATUSES) + " |",
        "|---|---|" + "---|" * len(STATUSES),
    ]
    for bucket in result["buckets"]:
        counts = bucket["summary"]
        lines.append(
            f"| {_cell(bucket['name'])} | {bucket['status']} | "
            + " | ".join(str(counts[status]) for status in STATUSES)
            + " |"
        )
    for bucket in result["buckets"]:
        checks = [check for check in result["checks"] if check["bucket"] == bucket["name"]]
        lines += [
            "",
            f"## {bucket['name']}",
            "",
            "| check | subject | status | Security Hub | CIS | finding |",
            "|---|---|---|---|---|---|",
        ]
        for check in checks:
            lines.append(
                f"| `{check['id']}` | {_cell(check['subject'])} | {check['status']} | {', '.join(check['security_hub'])} "
                f"| {_cell('; '.join(check['cis']))} | {_cell(check['message'])} |"
            )
        findings = [check for check in checks if check["status"] not in (PASS, SKIPPED)]
        if findings:
            lines += ["", "### Findings", ""]
            for check in findings:
                lines.append(f"- **{check['id']}** ({check['subject']}, {check['status']}): {check['title']}.")
                if check["observed"] is not None:
                    lines.append(f"  - Observed: `{_cell(render(check['observed']))}`")
                if check["expected"] is not None:
                    lines.append(f"  - Expected: `{_cell(render(check['expected']))}`")
                if check["remediation"]:
                    lines.append(f"  - Fix: {check['remediation']}")
                lines.append(f"  - Check with: `{check['command']}`")
    return "\n".join(lines) + "\n"
