"""Fault injection: the modules and the role against moto through tests/support/fault_proxy.py.

Promise under test: with a share of the requests failing as AWS fails them
(throttling, 5xx, RequestTimeout, OperationAborted, connections closed
before or after the request ran) the converge either ends in the full,
correct state or fails within a bounded time with a message that names the
operation and the AWS error code. A re-run without faults always ends in the
correct state, and the run after it changes nothing. The state is read with
the runbook's AWS CLI commands against moto directly, never through the proxy.
"""

from __future__ import annotations

import re
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from integration.converged_state import (
    CONVERGE_PLAYBOOK,
    converge_results,
    failed_results,
    other_setting_problems,
    role_vars,
    runbook_problems,
)
from integration.helpers import (
    DENY_INSECURE_TRANSPORT_SID,
    LOGS_RETENTION_RULE,
    REGION,
    aws_client,
    bucket_encryption,
    bucket_logging,
    create_kms_alias,
    delivery_sid,
    policy_statements,
    unique_bucket,
)
from support.fault_proxy import (
    DROP_AFTER,
    DROP_BEFORE,
    FaultProxy,
)

FAILURE_RATE = 0.2
# A seed fixes the draws, but the module reads concurrently, so the order of
# requests, and with it which request gets which fault, still varies a little.
SEEDS = [7, 2026]
# Bound on a faulted converge: every request succeeds after at most
# max_consecutive_faults (2) faults, and botocore sleeps at most 20 s per retry.
FAULTED_RUN_BOUND_SECONDS = 300

# "Failed to <action> on bucket <name>: <AWS message> (<code>, <Operation>)", the form of every AWS failure.
_AWS_FAILURE = re.compile(r"Failed to .+ \((?P<code>[A-Za-z0-9.]+), (?P<operation>[A-Za-z]+)\)")


def boto3_client_through(proxy: FaultProxy, service: str):
    """Return a boto3 client that sends each request once through the proxy, so that every fault reaches the test."""
    return boto3.client(
        service,
        endpoint_url=proxy.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def proxy_env(proxy: FaultProxy, verbosity: int = 1) -> dict[str, str]:
    """Return the environment that sends every module request through the proxy, with verbose output."""
    return {"AWS_ENDPOINT_URL": proxy.url, "ANSIBLE_VERBOSITY": str(verbosity)}


# The proxy itself


S3_ERROR_CASES = [
    pytest.param("SlowDown", 503, id="slow-down"),
    pytest.param("InternalError", 500, id="internal-error"),
    pytest.param("RequestTimeout", 400, id="request-timeout"),
    pytest.param("OperationAborted", 409, id="operation-aborted"),
]


@pytest.mark.parametrize(("code", "status"), S3_ERROR_CASES)
def test_proxy_s3_error_parses_as_aws_error(moto, code, status):
    """boto3 parses each S3 fault as the AWS error code and HTTP status that S3 sends."""
    bucket = unique_bucket("proxy-shape")
    aws_client(moto, "s3").create_bucket(Bucket=bucket)

    with FaultProxy(moto.endpoint_url, failure_rate=1.0, kinds=(code,)) as proxy:
        s3 = boto3_client_through(proxy, "s3")
        with pytest.raises(ClientError) as raised:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert [fault.kind for fault in proxy.faults] == [code]


@pytest.mark.parametrize(
    ("service", "code"),
    [pytest.param("kms", "ThrottlingException", id="kms"), pytest.param("sts", "Throttling", id="sts"),
     pytest.param("iam", "Throttling", id="iam")],
)
def test_proxy_throttling_parses_per_protocol(moto, service, code):
    """KMS throttling parses from JSON, STS and IAM throttling from the query-protocol XML."""
    calls = {
        "kms": lambda client: client.list_keys(),
        "sts": lambda client: client.get_caller_identity(),
        "iam": lambda client: client.list_users(),
    }
    with FaultProxy(moto.endpoint_url, failure_rate=1.0, kinds=(code,)) as proxy:
        client = boto3_client_through(proxy, service)
        with pytest.raises(ClientError) as raised:
            calls[service](client)

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("kind", [DROP_BEFORE, DROP_AFTER])
def test_proxy_drop_closes_connection(moto, kind):
    """A dropped request reaches boto3 as a closed connection; after the request ran, moto kept its effect."""
    bucket = unique_bucket("proxy-drop")
    s3_direct = aws_client(moto, "s3")
    s3_direct.create_bucket(Bucket=bucket)

    with FaultProxy(moto.endpoint_url, failure_rate=1.0, kinds=(kind,)) as proxy:
        s3 = boto3_client_through(proxy, "s3")
        with pytest.raises(ConnectionClosedError):
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    status = s3_direct.get_bucket_versioning(Bucket=bucket).get("Status")
    assert status == ("Enabled" if kind == DROP_AFTER else None)


def test_proxy_fault_bounded_per_request(moto):
    """With every request failing, the same request still succeeds after max_consecutive_faults faults."""
    with FaultProxy(moto.endpoint_url, failure_rate=1.0, max_consecutive_faults=2, kinds=("Throttling",)) as proxy:
        sts = boto3_client_through(proxy, "sts")
        outcomes = []
        for _attempt in range(3):
            try:
                outcomes.append(sts.get_caller_identity()["Account"])
            except ClientError as error:
                outcomes.append(error.response["Error"]["Code"])

    assert outcomes == ["Throttling", "Throttling", "123456789012"]


def test_proxy_stale_read_once_after_write(moto):
    """In stale-read mode the first read after a write returns the old value, the second the new one."""
    bucket = unique_bucket("proxy-stale")
    aws_client(moto, "s3").create_bucket(Bucket=bucket)

    with FaultProxy(moto.endpoint_url, stale_reads=True) as proxy:
        s3 = boto3_client_through(proxy, "s3")
        before = s3.get_bucket_versioning(Bucket=bucket).get("Status")
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        first = s3.get_bucket_versioning(Bucket=bucket).get("Status")
        second = s3.get_bucket_versioning(Bucket=bucket).get("Status")

    assert (before, first, second) == (None, None, "Enabled")
    assert proxy.stale_replays == [f"GET /{bucket}?versioning"]


# The module


def test_module_retries_every_failed_request(moto, run_playbook, aws_cli):
    """Every request failing once still converges, and retries counts exactly the faults injected.

    All requests of the run go through the proxy, and each fails once with a
    fault drawn from every kind: S3 errors, KMS and STS throttling, and
    connections closed before or after moto ran the request.
    """
    bucket = unique_bucket("faults-once")
    target = f"{bucket}-al"
    key_arn = create_kms_alias(moto, f"alias/{bucket}")
    args = {
        "name": bucket,
        "versioning": True,
        "object_ownership": "BucketOwnerEnforced",
        "public_access_block": {},
        "encryption": {"sse_algorithm": "aws:kms", "kms_key": f"alias/{bucket}", "bucket_key_enabled": True},
        "lifecycle": {"rules": [LOGS_RETENTION_RULE]},
        "policy": {"deny_insecure_transport": True},
        "access_logging": {"target_bucket": target, "target_prefix": f"{bucket}/", "manage_target": True},
    }
    playbook = _module_playbook(args)

    with FaultProxy(moto.endpoint_url, failure_rate=1.0, max_consecutive_faults=1, seed=3) as proxy:
        run = run_playbook(playbook, env=proxy_env(proxy))

    assert run.rc == 0, run.describe()
    result = converge_results(run)[0]
    assert result["changed"] is True
    assert len(proxy.faults) > 10, proxy.faults
    assert result["retries"] == len(proxy.faults), [str(fault) for fault in proxy.faults]
    assert f'"retries": {len(proxy.faults)}' in run.stdout
    s3 = aws_client(moto, "s3")
    assert bucket_encryption(s3, bucket) == {"sse_algorithm": "aws:kms", "kms_key": key_arn, "bucket_key_enabled": True}
    assert bucket_logging(s3, bucket) == {"TargetBucket": target, "TargetPrefix": f"{bucket}/"}
    assert sorted(policy_statements(s3, target)) == sorted([delivery_sid(bucket), DENY_INSECURE_TRANSPORT_SID])

    mark = moto.mark()
    again = run_playbook(playbook)
    assert again.rc == 0, again.describe()
    assert converge_results(again)[0]["changed"] is False
    assert moto.writes_since(mark) == []


def _module_playbook(args: dict) -> str:
    import json
    import sys

    play = {
        "name": "Converge one bucket",
        "hosts": "localhost",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": [{"name": "Converge the bucket", "logsafe.aws.s3_logs_bucket": args}],
    }
    return json.dumps([play], indent=2) + "\n"


# The role


def _assert_failure_is_clear(run) -> None:
    """Check that a failed run failed in a task with a message that names the AWS operation and error code."""
    assert "Traceback" not in run.stdout + run.stderr, run.describe()
    assert "MODULE FAILURE" not in run.stdout, run.describe()
    failures = failed_results(run)
    assert len(failures) == 1, run.describe()
    message = str(failures[0]["result"].get("msg", ""))
    assert _AWS_FAILURE.search(message), message


@pytest.mark.parametrize("seed", SEEDS)
def test_role_converge_under_faults(moto, run_playbook, aws_cli, seed):
    """With 20 percent of requests failing, converge ends correct or fails clearly; a clean re-run fixes it."""
    bucket = unique_bucket("faults-role")
    variables = role_vars(bucket)

    with FaultProxy(moto.endpoint_url, failure_rate=FAILURE_RATE, seed=seed) as proxy:
        variables["logs_bucket_endpoint_url"] = proxy.url
        started = time.monotonic()
        faulted = run_playbook(CONVERGE_PLAYBOOK, variables, env=proxy_env(proxy))
        elapsed = time.monotonic() - started

    faults = [str(fault) for fault in proxy.faults]
    assert faults, "the proxy injected no fault"
    assert elapsed < FAULTED_RUN_BOUND_SECONDS, faults
    converge = converge_results(faulted)
    assert len(converge) == 1, faulted.describe()
    if faulted.rc == 0:
        assert converge[0]["retries"] > 0, faults
        assert f'"retries": {converge[0]["retries"]}' in faulted.stdout
        assert runbook_problems(aws_cli, bucket) == [], faults
        assert other_setting_problems(moto, bucket) == [], faults
    else:
        _assert_failure_is_clear(faulted)

    del variables["logs_bucket_endpoint_url"]
    rerun = run_playbook(CONVERGE_PLAYBOOK, variables)
    assert rerun.rc == 0, rerun.describe()
    assert runbook_problems(aws_cli, bucket) == []
    assert other_setting_problems(moto, bucket) == []
    if faulted.rc == 0:
        assert rerun.recap["localhost"]["changed"] == 0, rerun.describe()
    else:
        mark = moto.mark()
        last = run_playbook(CONVERGE_PLAYBOOK, variables)
        assert last.rc == 0, last.describe()
        assert last.recap["localhost"]["changed"] == 0, last.describe()
        assert moto.writes_since(mark) == []


def test_role_converge_fails_clearly_then_rerun_fixes(moto, run_playbook, aws_cli):
    """A write that keeps failing stops converge with the operation and code; a clean re-run finishes the job.

    Every PutBucketLogging fails with OperationAborted, so the run writes both
    buckets' other settings, gives up on the last one after its bounded
    retries, and reports what it wrote.
    """
    bucket = unique_bucket("faults-stop")
    variables = role_vars(bucket)

    with FaultProxy(
        moto.endpoint_url,
        failure_rate=1.0,
        max_consecutive_faults=100,
        kinds=("OperationAborted",),
        operations=("PutBucketLogging",),
    ) as proxy:
        variables["logs_bucket_endpoint_url"] = proxy.url
        started = time.monotonic()
        faulted = run_playbook(CONVERGE_PLAYBOOK, variables, env=proxy_env(proxy))
        elapsed = time.monotonic() - started

    assert faulted.rc != 0, faulted.describe()
    assert elapsed < FAULTED_RUN_BOUND_SECONDS
    _assert_failure_is_clear(faulted)
    failure = converge_results(faulted)[0]
    assert "(OperationAborted, PutBucketLogging)" in failure["msg"]
    assert failure["changed"] is True
    assert "lifecycle" in failure["written"][bucket]
    assert failure["retries"] == len(proxy.faults) - 1

    del variables["logs_bucket_endpoint_url"]
    rerun = run_playbook(CONVERGE_PLAYBOOK, variables)
    assert rerun.rc == 0, rerun.describe()
    assert runbook_problems(aws_cli, bucket) == []
    mark = moto.mark()
    last = run_playbook(CONVERGE_PLAYBOOK, variables)
    assert last.recap["localhost"]["changed"] == 0, last.describe()
    assert moto.writes_since(mark) == []


def test_role_converge_with_stale_reads(moto, run_playbook, aws_cli):
    """When the first read after each write returns the old value, a second source on a shared target still converges.

    The target's policy is the setting that the module reads back after
    writing it: the stale read-back misses the new delivery statement, so the
    module merges and writes again. A re-run changes nothing.
    """
    first = unique_bucket("faults-stale-a")
    second = unique_bucket("faults-stale-b")
    target = f"{first}-access-logs"
    assert run_playbook(CONVERGE_PLAYBOOK, role_vars(first)).rc == 0
    variables = role_vars(
        second,
        logs_bucket_access_logging_bucket=target,
        logs_bucket_access_logging_prefix=f"{second}/",
    )

    with FaultProxy(moto.endpoint_url, stale_reads=True) as proxy:
        variables["logs_bucket_endpoint_url"] = proxy.url
        run = run_playbook(CONVERGE_PLAYBOOK, variables, env=proxy_env(proxy))

    assert run.rc == 0, f"stale replays: {proxy.stale_replays}\n{run.describe()}"
    assert f"GET /{target}?policy" in proxy.stale_replays
    assert runbook_problems(aws_cli, second, target) == []
    assert other_setting_problems(moto, second, target) == []
    assert delivery_sid(first) in policy_statements(aws_client(moto, "s3"), target)

    del variables["logs_bucket_endpoint_url"]
    mark = moto.mark()
    again = run_playbook(CONVERGE_PLAYBOOK, variables)
    assert again.rc == 0, again.describe()
    assert again.recap["localhost"]["changed"] == 0, again.describe()
    assert moto.writes_since(mark) == []
