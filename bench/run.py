"""Benchmark logsafe.aws against amazon.aws and community.aws on a local moto server.

Run it with the Python of .venv (`make bench`, or `make bench-smoke` for one
run per case). Unless it exists, it creates the peer's virtual environment
bench/.venv-peer: the ansible package from PyPI, with the same boto3 as .venv.
It then starts one moto server on 127.0.0.1 and runs each case with both
sides in turn, alternating which side goes first. Every request goes to that
server, with fake credentials.

Results go to bench/output/ as JSON and a Markdown table, and the bar chart
to docs/benchmarks.png (bench/output/benchmarks-smoke.png with --smoke).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import report
from harness import (
    REPO_ROOT,
    BenchError,
    BenchMotoServer,
    Measurement,
    RunSpec,
    collection_version,
    ensure_peer_venv,
    installed_version,
    peer_requirements,
    run_playbook,
    time_command,
)
from support.moto_server import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, MotoServer, MotoServerError

BENCH_DIR = REPO_ROOT / "bench"
PEER_DIR = BENCH_DIR / "peer"
REGION = "us-east-1"
# The account id that moto gives every caller.
ACCOUNT_ID = "123456789012"
KMS_ALIAS = "alias/bench-logs"
# The access-log target of the settings below is <name>-access-logs, as in the role.
TARGET_SUFFIX = "-access-logs"
# The S3 reads of the settings that the role manages on a logs bucket and on
# its access-log bucket. MAX_NOOP_LOOKUPS is the most lookups that a no-op
# run may send: one DescribeKey for the key alias and, without an account id,
# one GetCallerIdentity.
SETTING_READS = frozenset(
    {
        "GetPublicAccessBlock",
        "GetBucketPolicy",
        "GetBucketOwnershipControls",
        "GetBucketEncryption",
        "GetBucketVersioning",
        "GetBucketTagging",
        "GetBucketLifecycleConfiguration",
        "GetBucketLogging",
    }
)
MAX_NOOP_LOOKUPS = {"kms:DescribeKey": 1, "sts:GetCallerIdentity": 1}
# The targets that the results are checked against: the ratio of this
# collection's median to the peer's, per pair of runs.
RATIO_TARGET = 0.5


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per case and side (default: 5)")
    parser.add_argument("--fleet-size", type=int, default=20, help="buckets of the fleet cases (default: 20)")
    parser.add_argument(
        "--scale-sizes",
        default="20,100",
        help="fleet sizes at which this collection's cost per bucket is measured once, comma-separated (default: 20,100)",
    )
    parser.add_argument("--forks", type=int, default=5, help="ansible-playbook --forks (default: 5)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one run per case, a fleet of 3 and a scale run of 2 buckets; the chart goes to bench/output/",
    )
    parser.add_argument(
        "--peer-venv", type=Path, default=BENCH_DIR / ".venv-peer", help="the peer's virtual environment"
    )
    parser.add_argument(
        "--recreate-peer-venv", action="store_true", help="create the peer environment even if it exists"
    )
    parser.add_argument("--output-dir", type=Path, default=BENCH_DIR / "output", help="where results are written")
    parser.add_argument("--chart", type=Path, help="PNG path of the chart (default: docs/benchmarks.png)")
    args = parser.parse_args(argv)

    if args.smoke:
        args.runs, args.fleet_size, args.scale_sizes = 1, 3, "2"
    try:
        args.scale_sizes = [int(size) for size in args.scale_sizes.split(",") if size.strip()]
    except ValueError:
        parser.error(
            f"invalid --scale-sizes {args.scale_sizes!r}: give bucket counts separated by commas, such as 20,100"
        )
    if args.chart is None:
        args.chart = args.output_dir / "benchmarks-smoke.png" if args.smoke else REPO_ROOT / "docs" / "benchmarks.png"
    if args.runs < 1 or args.fleet_size < 1 or any(size < 1 for size in args.scale_sizes):
        parser.error("--runs, --fleet-size and --scale-sizes must be at least 1")
    return args


class Bench:
    """The run commands of both sides, with fresh bucket names for every converge."""

    def __init__(self, args: argparse.Namespace, server: MotoServer, peer_python: Path) -> None:
        self.args = args
        self.server = server
        self.run_id = uuid.uuid4().hex[:6]
        self.pythons = {"ours": Path(sys.executable), "peer": peer_python}
        self.inventory_dir = args.output_dir / "inventories"
        self.log_dir = args.output_dir / "logs"
        self.steady = {side: self.bucket_name(side, "steady") for side in ("ours", "peer")}

    def bucket_name(self, side: str, label: str) -> str:
        """Return a bucket name unique to this benchmark run, side and label."""
        return f"bench-{self.run_id}-{side[0]}-{label}"

    def write_inventory(self, label: str, names: list[str], shared_target: str | None) -> Path:
        """Write an inventory of localhost aliases, one per bucket, and return its path."""
        hosts = {
            f"bucket-{index:03d}": {
                "logs_bucket_name": name,
                "logs_bucket_access_logging_bucket": shared_target or name + TARGET_SUFFIX,
            }
            for index, name in enumerate(names)
        }
        inventory = {"all": {"vars": {"ansible_connection": "local"}, "hosts": hosts}}
        self.inventory_dir.mkdir(parents=True, exist_ok=True)
        path = self.inventory_dir / f"{label}.json"
        path.write_text(json.dumps(inventory, indent=1))
        return path

    def run(self, spec: RunSpec, label: str) -> dict[str, Any]:
        """Run one command and return its measurement as plain data."""
        measurement: Measurement = run_playbook(self.server, spec, self.log_dir, label)
        status = "ok" if measurement.ok else f"FAILED (exit code {measurement.returncode}, log {measurement.log})"
        print(
            f"  {label:<38} {measurement.seconds:7.2f} s {measurement.requests:5d} requests "
            f"{measurement.writes:4d} writes changed={measurement.changed} {status}",
            flush=True,
        )
        return measurement.to_json()

    def _spec(self, side: str, **kwargs: Any) -> RunSpec:
        return RunSpec(side=side, python=self.pythons[side], forks=self.args.forks, **kwargs)

    def single(self, side: str, name: str, options: list[str] | None = None, account_id: bool = False) -> RunSpec:
        """Return the converge command of one bucket and its own access-log bucket."""
        extra = {"logs_bucket_kms_key": KMS_ALIAS}
        if account_id:
            extra["logs_bucket_account_id"] = ACCOUNT_ID
        if side == "ours":
            extra.update(logs_bucket_name=name, logs_bucket_access_logging="true", logs_bucket_verify="false")
            return self._spec(
                side, cwd=REPO_ROOT, playbook="playbooks/logs_bucket.yml", extra_vars=extra, options=options or []
            )
        inventory = self.write_inventory(f"peer-{name}", [name], None)
        return self._spec(
            side, cwd=PEER_DIR, playbook="logs_bucket.yml", inventory=inventory, extra_vars=extra, options=options or []
        )

    def audit(self, side: str, name: str) -> RunSpec:
        """Return the read-only audit command of one bucket."""
        extra = {"logs_bucket_kms_key": KMS_ALIAS}
        if side == "ours":
            extra.update(logs_bucket_name=name, logs_bucket_access_logging="true")
            return self._spec(side, cwd=REPO_ROOT, playbook="playbooks/verify.yml", extra_vars=extra)
        inventory = self.write_inventory(f"peer-{name}", [name], None)
        return self._spec(side, cwd=PEER_DIR, playbook="verify.yml", inventory=inventory, extra_vars=extra)

    def fleet(self, side: str, inventory: Path) -> RunSpec:
        """Return the converge command of every bucket in an inventory."""
        extra = {"logs_bucket_kms_key": KMS_ALIAS}
        if side == "ours":
            extra.update(logs_bucket_access_logging="true", logs_bucket_verify="false")
            return self._spec(
                side, cwd=REPO_ROOT, playbook="bench/ours/logs_bucket_fleet.yml", inventory=inventory, extra_vars=extra
            )
        return self._spec(side, cwd=PEER_DIR, playbook="logs_bucket.yml", inventory=inventory, extra_vars=extra)

    def fleet_inventory(self, side: str, label: str, size: int, shared: bool) -> Path:
        """Write the inventory of a new fleet of ``size`` buckets."""
        names = [self.bucket_name(side, f"{label}-{index:03d}") for index in range(size)]
        target = self.bucket_name(side, label) + TARGET_SUFFIX if shared else None
        return self.write_inventory(f"{side}-{label}", names, target)


# Cases as (key, title, chart label). Each repetition runs every case once
# per side. The no-op, check mode and audit cases read the steady bucket that
# setup converged, and the fleet re-run reads the fleet that the converge case
# of the same repetition built.

CASES = [
    ("converge_1", "1 bucket: converge", "1 bucket\nconverge"),
    ("noop_1", "1 bucket: no-op re-run", "1 bucket\nno-op"),
    ("noop_1_account_id", "1 bucket: no-op re-run, account id given", "1 bucket no-op\naccount id given"),
    ("check_1", "1 bucket: check mode, converged", "1 bucket\ncheck mode"),
    ("audit_1", "1 bucket: verify / audit", "1 bucket\naudit"),
    ("converge_fleet", "{n} buckets, shared log bucket: converge", "{n} buckets\nconverge"),
    ("noop_fleet", "{n} buckets, shared log bucket: re-run", "{n} buckets\nre-run"),
]


def case_command(bench: Bench, key: str, side: str, repetition: int, fleets: dict[str, Path]) -> RunSpec:
    """Return the command of one case for one side in one repetition."""
    if key == "converge_1":
        return bench.single(side, bench.bucket_name(side, f"c{repetition}"))
    if key == "noop_1":
        return bench.single(side, bench.steady[side])
    if key == "noop_1_account_id":
        return bench.single(side, bench.steady[side], account_id=True)
    if key == "check_1":
        return bench.single(side, bench.steady[side], options=["--check"])
    if key == "audit_1":
        return bench.audit(side, bench.steady[side])
    # converge_fleet builds the fleet, and noop_fleet runs the same command again.
    return bench.fleet(side, fleets[side])


def run_pairs(bench: Bench, runs: int, cases: dict[str, dict[str, Any]]) -> None:
    """Run every case ``runs`` times with both sides, alternating which side goes first."""
    size = bench.args.fleet_size
    for repetition in range(runs):
        sides = ("ours", "peer") if repetition % 2 == 0 else ("peer", "ours")
        print(f"Repetition {repetition + 1} of {runs}, {sides[0]} first", flush=True)
        fleets = {side: bench.fleet_inventory(side, f"f{size}r{repetition}", size, shared=True) for side in sides}
        for key in cases:
            for side in sides:
                spec = case_command(bench, key, side, repetition, fleets)
                cases[key]["runs"][side].append(bench.run(spec, f"{key}-{side}-{repetition}"))


def run_scale(bench: Bench, sizes: list[int]) -> list[dict[str, Any]]:
    """Converge and re-run fleets of this collection once per size, each bucket with its own log bucket."""
    results = []
    for size in sizes:
        inventory = bench.fleet_inventory("ours", f"scale{size}", size, shared=False)
        converge = bench.run(bench.fleet("ours", inventory), f"scale-converge-{size}")
        rerun = bench.run(bench.fleet("ours", inventory), f"scale-rerun-{size}")
        results.append({"buckets": size, "converge": converge, "rerun": rerun})
    return results


def run_floor(bench: Bench, runs: int) -> dict[str, Any]:
    """Measure the fixed costs that every run of this collection pays, on .venv."""
    env = bench.server.env()
    python = str(bench.pythons["ours"])
    ansible_playbook = str(bench.pythons["ours"].parent / "ansible-playbook")
    sdk = "import boto3; session = boto3.session.Session(); [session.client(name) for name in ('s3', 'kms', 'sts')]"
    commands = {
        "playbook_startup": [ansible_playbook, "bench/floor/startup.yml"],
        "playbook_one_module": [ansible_playbook, "bench/floor/one_module.yml"],
        "boto3_import_and_clients": [python, "-c", sdk],
    }
    samples: dict[str, dict[str, list[float]]] = {key: {"seconds": [], "cpu_seconds": []} for key in commands}
    for _repetition in range(runs):
        for key, command in commands.items():
            seconds, cpu_seconds = time_command(command, env, REPO_ROOT)
            samples[key]["seconds"].append(seconds)
            samples[key]["cpu_seconds"].append(cpu_seconds)
    return {
        key: {"seconds": report.spread(values["seconds"]), "cpu_seconds": report.spread(values["cpu_seconds"])}
        for key, values in samples.items()
    }


# Targets


def noop_request_problems(run: dict[str, Any], account_id_given: bool) -> list[str]:
    """List how a no-op run's requests go beyond HeadBucket, one read per setting and the needed lookups."""
    problems = []
    if run["writes"]:
        problems.append(f"{run['writes']} writes")
    for bucket, operations in run["by_bucket_operation"].items():
        for operation, count in operations.items():
            service, name = operation.split(":", 1)
            if service != "s3":
                continue
            if name != "HeadBucket" and name not in SETTING_READS:
                problems.append(f"{operation} on {bucket} reads no setting that the role manages")
            elif count > 1:
                problems.append(f"{operation} sent {count} times for bucket {bucket}")
    lookups = dict(MAX_NOOP_LOOKUPS)
    if account_id_given:
        lookups["sts:GetCallerIdentity"] = 0
    for operation, count in run["by_operation"].items():
        if not operation.startswith("s3:") and count > lookups.get(operation, 0):
            problems.append(f"{operation} sent {count} times (at most {lookups.get(operation, 0)})")
    return problems


def evaluate_targets(cases: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Compare the results with the targets: time and request ratios, and the requests of a no-op re-run."""
    targets = []
    for key, field, label in (
        ("converge_1", "seconds", "1 bucket converge: wall time"),
        ("noop_1", "seconds", "1 bucket no-op re-run: wall time"),
        ("converge_fleet", "seconds", "fleet converge: wall time"),
        ("noop_fleet", "seconds", "fleet re-run: wall time"),
        ("converge_1", "requests", "1 bucket converge: requests"),
    ):
        ratios = cases[key]["ratios"]
        ratio = ratios[field]["median"] if ratios and ratios[field] else None
        targets.append(
            {
                "target": f"{label} at most {RATIO_TARGET} of the peer's",
                "value": ratio,
                "met": ratio is not None and ratio <= RATIO_TARGET,
            }
        )
    fleet_writes = [run["writes"] for run in cases["noop_fleet"]["runs"]["ours"]]
    targets.append(
        {
            "target": "fleet re-run: no writes",
            "value": [f"{writes} writes" for writes in fleet_writes if writes],
            "met": not any(fleet_writes),
        }
    )
    for key, account_id_given in (("noop_1", False), ("noop_1_account_id", True)):
        problems = [
            problem for run in cases[key]["runs"]["ours"] for problem in noop_request_problems(run, account_id_given)
        ]
        targets.append(
            {
                "target": f"{cases[key]['title']}: no writes, HeadBucket, one read per managed setting, "
                "DescribeKey only for the alias, GetCallerIdentity only without an account id",
                "value": sorted(set(problems)),
                "met": not problems,
            }
        )
    return targets


# Setup and records


def create_kms_alias(server: MotoServer) -> str:
    """Create the customer key that both sides use, by alias, and return its ARN."""
    kms = boto3.client(
        "kms",
        endpoint_url=server.endpoint_url,
        region_name=REGION,
        aws_access_key_id=FAKE_ACCESS_KEY_ID,
        aws_secret_access_key=FAKE_SECRET_ACCESS_KEY,
    )
    key = kms.create_key(Description="logsafe.aws benchmark")["KeyMetadata"]
    # The verify playbook checks that a customer key rotates, as a logs key should.
    kms.enable_key_rotation(KeyId=key["KeyId"])
    kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key["KeyId"])
    return key["Arn"]


def describe_machine() -> dict[str, Any]:
    """Return the facts about this machine that the timings depend on."""
    cpu_model = ""
    memory = ""
    for path, prefix in ((Path("/proc/cpuinfo"), "model name"), (Path("/proc/meminfo"), "MemTotal")):
        if path.exists():
            for line in path.read_text().splitlines():
                if line.startswith(prefix):
                    value = line.split(":", 1)[1].strip()
                    cpu_model, memory = (value, memory) if prefix == "model name" else (cpu_model, value)
                    break
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def describe_versions(peer_python: Path) -> dict[str, Any]:
    """Return the versions of both sides and of the tools around them."""
    ours = Path(sys.executable)
    galaxy = (REPO_ROOT / "galaxy.yml").read_text().splitlines()
    version = next((line.split(":", 1)[1].strip() for line in galaxy if line.startswith("version:")), "")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    return {
        "logsafe.aws": version,
        "git_commit": commit.stdout.strip(),
        "git_worktree_modified": bool(status.stdout.strip()),
        "ours": {
            name: installed_version(ours, name) for name in ("ansible-core", "boto3", "botocore", "moto", "matplotlib")
        },
        "peer": {
            **{name: installed_version(peer_python, name) for name in ("ansible", "ansible-core", "boto3", "botocore")},
            "amazon.aws": collection_version(peer_python, "amazon", "aws"),
            "community.aws": collection_version(peer_python, "community", "aws"),
        },
    }


def summarize_scale(scale: list[dict[str, Any]], cases: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Return this collection's cost per bucket at each size, starting with the 1-bucket medians."""
    rows = []
    single = cases["converge_1"]["summary"]["ours"], cases["noop_1"]["summary"]["ours"]
    if single[0] and single[1]:
        rows.append(
            {
                "buckets": 1,
                "converge_seconds": single[0]["seconds"]["median"],
                "converge_cpu_seconds": single[0]["cpu_seconds"]["median"],
                "converge_requests": single[0]["requests"]["median"],
                "rerun_seconds": single[1]["seconds"]["median"],
                "rerun_cpu_seconds": single[1]["cpu_seconds"]["median"],
                "rerun_requests": single[1]["requests"]["median"],
                "failed": bool(single[0]["failed_runs"] or single[1]["failed_runs"]),
            }
        )
    for entry in scale:
        rows.append(
            {
                "buckets": entry["buckets"],
                "converge_seconds": entry["converge"]["seconds"],
                "converge_cpu_seconds": entry["converge"]["cpu_seconds"],
                "converge_requests": entry["converge"]["requests"],
                "rerun_seconds": entry["rerun"]["seconds"],
                "rerun_cpu_seconds": entry["rerun"]["cpu_seconds"],
                "rerun_requests": entry["rerun"]["requests"],
                "failed": not (entry["converge"]["returncode"] == 0 and entry["rerun"]["returncode"] == 0),
            }
        )
    for row in rows:
        for kind in ("converge", "rerun"):
            row[f"{kind}_seconds_per_bucket"] = row[f"{kind}_seconds"] / row["buckets"]
            row[f"{kind}_cpu_seconds_per_bucket"] = row[f"{kind}_cpu_seconds"] / row["buckets"]
            row[f"{kind}_requests_per_bucket"] = row[f"{kind}_requests"] / row["buckets"]
    return rows


def format_scale(rows: list[dict[str, Any]]) -> str:
    """Format the cost per bucket as a Markdown table."""
    lines = [
        "| buckets | converge | per bucket | CPU per bucket | requests per bucket "
        "| re-run | per bucket | CPU per bucket | requests per bucket |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        flag = " (failed runs)" if row["failed"] else ""
        cells = [f"{row['buckets']}{flag}"]
        for kind in ("converge", "rerun"):
            cells += [
                f"{row[f'{kind}_seconds']:.1f} s",
                f"{row[f'{kind}_seconds_per_bucket']:.2f} s",
                f"{row[f'{kind}_cpu_seconds_per_bucket']:.2f} s",
                f"{row[f'{kind}_requests_per_bucket']:.1f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(args: argparse.Namespace, results: dict[str, Any], cases: list[dict[str, Any]]) -> Path:
    """Write the JSON results and the Markdown tables, and draw the chart."""
    args.output_dir.mkdir(parents=True, exist_ok=True)
    prefix = "smoke" if args.smoke else "results"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = args.output_dir / f"{prefix}-{stamp}.json"
    text = json.dumps(results, indent=1, sort_keys=False)
    path.write_text(text)
    (args.output_dir / f"{prefix}.json").write_text(text)
    markdown = [report.format_table(cases, markdown=True), "", format_scale(results["scale_per_bucket"]), ""]
    (args.output_dir / f"{prefix}.md").write_text("\n".join(markdown))
    report.draw_chart(cases, args.chart, chart_subtitle(results))
    return path


def chart_subtitle(results: dict[str, Any]) -> str:
    """Describe the machine and the settings under the chart's title."""
    machine, settings = results["machine"], results["settings"]
    loads = [run["load_average"] for case in results["cases"] for runs in case["runs"].values() for run in runs]
    return (
        f"{machine['nproc']} cores, Python {machine['python']}, ansible-core {results['versions']['ours']['ansible-core']}, "
        f"{settings['runs']} run(s) per case, forks {settings['forks']}, "
        f"1-minute load average {min(loads):.0f} to {max(loads):.0f} during the runs"
    )


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Set up both sides, run every case, and return the results."""
    ours_python = Path(sys.executable)
    requirements = peer_requirements(
        BENCH_DIR / "requirements-peer.txt",
        installed_version(ours_python, "boto3"),
        installed_version(ours_python, "botocore"),
    )
    peer_venv = ensure_peer_venv(args.peer_venv, requirements, args.recreate_peer_venv)
    if peer_venv["seconds"] is not None:
        print(f"Created the peer environment in {peer_venv['seconds']:.1f} s", flush=True)
    peer_python = args.peer_venv / "bin" / "python"

    results: dict[str, Any] = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "mode": "smoke" if args.smoke else "full",
        "settings": {
            "runs": args.runs,
            "fleet_size": args.fleet_size,
            "scale_sizes": args.scale_sizes,
            "forks": args.forks,
            "region": REGION,
            "kms_key": KMS_ALIAS,
        },
        "machine": describe_machine(),
        "versions": describe_versions(peer_python),
        "peer_venv": peer_venv,
        "load_average_start": os.getloadavg(),
    }

    server = BenchMotoServer(region=REGION)
    try:
        server.start()
    except MotoServerError as error:
        raise BenchError(str(error)) from error
    try:
        print(f"moto server on {server.endpoint_url} (process {server.pid})", flush=True)
        results["kms_key_arn"] = create_kms_alias(server)
        bench = Bench(args, server, peer_python)

        # The first run of each side also loads its files into the page cache,
        # so it is kept out of the cases.
        print("Setup: converge the steady bucket of each side", flush=True)
        results["setup_runs"] = [
            bench.run(bench.single(side, bench.steady[side]), f"setup-{side}") for side in ("ours", "peer")
        ]

        print("Floor: start-up costs of ansible-playbook, a module and boto3", flush=True)
        results["floor"] = run_floor(bench, args.runs)

        cases = {
            key: {
                "key": key,
                "title": title.format(n=args.fleet_size),
                "short_title": short.format(n=args.fleet_size),
                "runs": {"ours": [], "peer": []},
            }
            for key, title, short in CASES
        }
        run_pairs(bench, args.runs, cases)
        for case in cases.values():
            report.summarize_case(case)

        print("Scale: this collection's fleets with one log bucket per bucket, once per size", flush=True)
        scale = run_scale(bench, args.scale_sizes)
    finally:
        server.stop()

    results["load_average_end"] = os.getloadavg()
    results["cases"] = list(cases.values())
    results["scale"] = scale
    results["scale_per_bucket"] = summarize_scale(scale, cases)
    results["targets"] = evaluate_targets(cases)
    return results


def print_summary(results: dict[str, Any]) -> None:
    """Print the results table, the floor, the cost per bucket and the targets."""
    print()
    print(report.format_table(results["cases"]))
    print()
    print("Floor on .venv (median of the runs):")
    for key, values in results["floor"].items():
        print(f"  {key:<26} {values['seconds']['median']:.2f} s wall, {values['cpu_seconds']['median']:.2f} s CPU")
    print()
    print("Cost per bucket of this collection (own log bucket per bucket at the sizes after 1):")
    print(format_scale(results["scale_per_bucket"]))
    print()
    for target in results["targets"]:
        verdict = "met" if target["met"] else "MISSED"
        value = target["value"]
        if isinstance(value, float):
            value_text = f"{value:.2f}"
        elif value:
            value_text = ", ".join(value)
        else:
            value_text = "as required" if target["met"] else "not measured"
        print(f"  [{verdict}] {target['target']}: {value_text}")
    failed = sum(summary["failed_runs"] for case in results["cases"] for summary in case["summary"].values() if summary)
    if failed:
        print(f"\n{failed} run(s) failed; their output is in {results['log_dir']}.")


def exit_on_sigterm(signum: int, _frame: object) -> None:
    """Turn SIGTERM into SystemExit, so that the finally block stops the moto server."""
    sys.exit(128 + signum)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        results = benchmark(args)
    except BenchError as error:
        print(f"Benchmark failed: {error}", file=sys.stderr)
        return 1
    results["log_dir"] = str(args.output_dir / "logs")
    path = write_results(args, results, results["cases"])
    print_summary(results)
    print(f"\nResults: {path}\nChart: {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
