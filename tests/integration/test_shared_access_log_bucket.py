"""One play, several hosts, one access-log bucket: the role configures the shared bucket once per play.

Each inventory host is a localhost alias with its own logs bucket. When
several of them send their access logs to the same bucket, the first host
configures that bucket once with every source's delivery statement, before
any host enables logging into it, and the hosts' own calls leave it alone.
So concurrent forks never write the shared policy at the same time, and a
re-run reads the shared bucket once, not once per host.
"""

from __future__ import annotations

import json

from integration.converged_state import SHARED_TARGET_TASK
from integration.helpers import (
    DENY_INSECURE_TRANSPORT_SID,
    REGION,
    aws_client,
    bucket_logging,
    delivery_sid,
    unique_bucket,
)

FORKS = "5"

FLEET_PLAYBOOK = """\
- name: Converge one logs bucket per host
  hosts: all
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    logs_bucket_region: %(region)s
    logs_bucket_access_logging: true
    logs_bucket_verify: %(verify)s
  roles:
    - role: logsafe.aws.logs_bucket
"""


def write_inventory(path, buckets: dict[str, str]) -> str:
    """Write an inventory of localhost aliases, one per bucket, each with its access-log bucket."""
    hosts = {
        f"bucket{index}": {
            "ansible_connection": "local",
            "logs_bucket_name": bucket,
            "logs_bucket_access_logging_bucket": target,
        }
        for index, (bucket, target) in enumerate(buckets.items())
    }
    path.write_text(json.dumps({"all": {"hosts": hosts}}))
    return str(path)


def fleet_env(inventory: str) -> dict[str, str]:
    return {"ANSIBLE_INVENTORY": inventory, "ANSIBLE_FORKS": FORKS}


def playbook(verify: bool) -> str:
    return FLEET_PLAYBOOK % {"region": REGION, "verify": str(verify).lower()}


def task_results(run, name: str) -> list[dict]:
    return [entry for entry in run.results if entry["task"].endswith(name)]


def policy_sids(s3, bucket: str) -> set[str]:
    return {statement["Sid"] for statement in json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]}


def test_shared_bucket_configured_once(moto, run_playbook, tmp_path):
    """Five hosts share one access-log bucket and two have their own. Every delivery statement is added, and a re-run writes nothing."""
    shared = unique_bucket("fleet-shared-al")
    sharing = [unique_bucket(f"fleet-{index}") for index in range(5)]
    alone = [unique_bucket(f"fleet-own-{index}") for index in range(2)]
    buckets = dict.fromkeys(sharing, shared) | {bucket: f"{bucket}-al" for bucket in alone}
    env = fleet_env(write_inventory(tmp_path / "inventory.json", buckets))

    first = run_playbook(playbook(verify=True), env=env)
    assert first.rc == 0, first.describe()
    assert "[WARNING]" not in first.stdout + first.stderr, first.describe()
    # The shared bucket is configured by one host for all its sources, in one task result.
    shared_results = [entry for entry in task_results(first, SHARED_TARGET_TASK) if entry["status"] != "skipped"]
    assert len(shared_results) == 1, first.describe()

    s3 = aws_client(moto, "s3")
    assert {delivery_sid(bucket) for bucket in sharing} | {DENY_INSECURE_TRANSPORT_SID} <= policy_sids(s3, shared)
    for bucket in sharing:
        assert bucket_logging(s3, bucket) == {"TargetBucket": shared, "TargetPrefix": f"{bucket}/"}
    for bucket in alone:
        assert bucket_logging(s3, bucket) == {"TargetBucket": f"{bucket}-al", "TargetPrefix": f"{bucket}/"}
        assert policy_sids(s3, f"{bucket}-al") >= {delivery_sid(bucket), DENY_INSECURE_TRANSPORT_SID}
    # The shared bucket gets the same settings as one that a host's own call manages.
    assert s3.get_bucket_encryption(Bucket=shared)["ServerSideEncryptionConfiguration"]["Rules"][0][
        "ApplyServerSideEncryptionByDefault"
    ] == {"SSEAlgorithm": "AES256"}
    assert s3.get_bucket_ownership_controls(Bucket=shared)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    assert [rule["ID"] for rule in s3.get_bucket_lifecycle_configuration(Bucket=shared)["Rules"]] == [
        "access-logs-retention"
    ]

    mark = moto.mark()
    second = run_playbook(playbook(verify=False), env=env)
    assert second.rc == 0, second.describe()
    assert all(counts["changed"] == 0 for counts in second.recap.values()), second.stdout
    calls = moto.requests_since(mark)
    assert [str(call) for call in calls if call.is_write] == []
    # Only the shared bucket's own configuration reads it: HeadBucket and one read per managed setting.
    shared_reads = [call for call in calls if call.path.strip("/").split("/")[0] == shared]
    assert len(shared_reads) == 7, [str(call) for call in shared_reads]


def test_shared_bucket_check_mode(moto, run_playbook, tmp_path):
    """Check mode predicts the shared bucket and the sources without a write."""
    shared = unique_bucket("fleet-check-al")
    buckets = {unique_bucket(f"fleet-check-{index}"): shared for index in range(3)}
    env = fleet_env(write_inventory(tmp_path / "inventory.json", buckets))

    mark = moto.mark()
    run = run_playbook(playbook(verify=True), check=True, diff=True, env=env)
    assert run.rc == 0, run.describe()
    assert [str(call) for call in moto.writes_since(mark)] == []
    predicted = [entry for entry in task_results(run, SHARED_TARGET_TASK) if entry["status"] == "changed"]
    assert len(predicted) == 1, run.describe()
