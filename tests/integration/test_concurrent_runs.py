"""Concurrent runs: five converges at once, each of another source bucket, all logging into one access-log bucket.

S3 has no conditional write for bucket policies, so the promise is limited.
After the concurrent runs, every source's delivery statement is in the shared
target's policy, or one more run of each source whose statement is missing
puts it there. A concurrent run may fail, but only with a message that names
the AWS operation, never with a traceback.
"""

from __future__ import annotations

import json
import subprocess
import time

from integration.conftest import PLAYBOOK_TIMEOUT, REPO_ROOT, VENV_BIN, ansible_env, parse_recap
from integration.converged_state import CONVERGE_PLAYBOOK, role_vars
from integration.helpers import DENY_INSECURE_TRANSPORT_SID, aws_client, bucket_logging, delivery_sid, unique_bucket

CONCURRENT_RUNS = 5


def shared_target_vars(source: str, target: str) -> dict:
    # Verify is off: it would read the shared policy while the other runs still write it.
    return role_vars(
        source,
        logs_bucket_access_logging_bucket=target,
        logs_bucket_access_logging_prefix=f"{source}/",
        logs_bucket_verify="false",
    )


def start_converge(moto, source: str, target: str, run_dir) -> tuple[subprocess.Popen, list[str]]:
    """Start one ansible-playbook converge in the background and return the process and its command."""
    run_dir.mkdir(parents=True)
    extra_vars = run_dir / "extra-vars.json"
    extra_vars.write_text(json.dumps(shared_target_vars(source, target)))
    command = [str(VENV_BIN / "ansible-playbook"), CONVERGE_PLAYBOOK, "--extra-vars", f"@{extra_vars}"]
    env = ansible_env(moto, run_dir / "results.jsonl", run_dir / "ansible-tmp", None)
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, command


def failure_messages(run_dir) -> list[str]:
    results = run_dir / "results.jsonl"
    if not results.exists():
        return []
    entries = [json.loads(line) for line in results.read_text().splitlines() if line]
    return [str(entry["result"].get("msg", "")) for entry in entries if entry["status"] == "failed"]


def delivery_sids(aws_cli, target: str) -> set[str]:
    """Return the Sids of the target's policy, read with the runbook's get-bucket-policy command."""
    policy = json.loads(aws_cli("s3api", "get-bucket-policy", "--bucket", target)["Policy"])
    return {statement.get("Sid") for statement in policy["Statement"]}


def test_five_concurrent_converges_share_target(moto, run_playbook, aws_cli, tmp_path):
    """After five concurrent converges every source's statement is present, or one more run of the missing ones adds it."""
    target = unique_bucket("shared-al")
    sources = [unique_bucket(f"concurrent-{index}") for index in range(CONCURRENT_RUNS)]

    started = [start_converge(moto, source, target, tmp_path / source) for source in sources]
    outcomes = {}
    deadline = time.monotonic() + PLAYBOOK_TIMEOUT
    for source, (process, command) in zip(sources, started):
        stdout, stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        outcomes[source] = (process.returncode, stdout, stderr, command)

    for source, (returncode, stdout, stderr, command) in outcomes.items():
        assert "Traceback" not in stdout + stderr, f"{' '.join(command)}\n{stdout}\n{stderr}"
        if returncode != 0:
            assert parse_recap(stdout)["localhost"]["failed"] == 1, stdout
            messages = failure_messages(tmp_path / source)
            assert len(messages) == 1, stdout
            assert messages[0].startswith("Failed to"), messages[0]
    sids = delivery_sids(aws_cli, target)
    assert DENY_INSECURE_TRANSPORT_SID in sids

    missing = [
        source
        for source in sources
        if delivery_sid(source) not in sids or outcomes[source][0] != 0
    ]
    print(f"after {CONCURRENT_RUNS} concurrent runs, {len(missing)} sources needed one more run: {missing}")
    for source in missing:
        rerun = run_playbook(CONVERGE_PLAYBOOK, shared_target_vars(source, target))
        assert rerun.rc == 0, rerun.describe()

    sids = delivery_sids(aws_cli, target)
    assert {delivery_sid(source) for source in sources} <= sids
    assert DENY_INSECURE_TRANSPORT_SID in sids
    s3 = aws_client(moto, "s3")
    for source in sources:
        assert bucket_logging(s3, source) == {"TargetBucket": target, "TargetPrefix": f"{source}/"}
