"""The role's logs_bucket_role_arn, logs_bucket_role_session_name and logs_bucket_external_id reach both module calls.

moto's STS AssumeRole accepts any role ARN and returns credentials of the
role's account, so the buckets land in that account in moto's state.
"""

from __future__ import annotations

from integration.helpers import REGION, unique_bucket
from integration.moto_state import assumed_roles, bucket_location

ROLE_ACCOUNT_ID = "444455556666"
ROLE_ARN = f"arn:aws:iam::{ROLE_ACCOUNT_ID}:role/LogsBucketAdmin"
SESSION_NAME = "logs-bucket-role-test"
EXTERNAL_ID = "logsafe-external-0001"


def role_vars(bucket: str) -> dict[str, str]:
    return {
        "logs_bucket_name": bucket,
        "logs_bucket_region": REGION,
        "logs_bucket_access_logging": "true",
        "logs_bucket_role_arn": ROLE_ARN,
        "logs_bucket_role_session_name": SESSION_NAME,
        "logs_bucket_external_id": EXTERNAL_ID,
    }


def operations(calls) -> list[str]:
    return [call.operation for call in calls]


def test_converge_and_verify_assume_role(moto, run_playbook):
    """Converge, then verify alone: each module call assumes the role first, and the buckets are in its account."""
    bucket = unique_bucket("assumed-logs")
    mark = moto.mark()

    converge = run_playbook("playbooks/logs_bucket.yml", role_vars(bucket))
    converge_calls = moto.requests_since(mark)
    verify_mark = moto.mark()
    verify = run_playbook("playbooks/verify.yml", role_vars(bucket))
    verify_calls = moto.requests_since(verify_mark)
    sessions = assumed_roles(moto, ROLE_ARN)

    assert converge.rc == 0, converge.describe()
    assert verify.rc == 0, verify.describe()
    # One session for s3_logs_bucket and one for s3_logs_bucket_info.
    assert operations(converge_calls).count("AssumeRole") == 2
    assert operations(converge_calls)[0] == "AssumeRole"
    assert operations(verify_calls).count("AssumeRole") == 1
    assert moto.writes_since(verify_mark) == []
    assert len(sessions) == 3
    assert {session["session_name"] for session in sessions} == {SESSION_NAME}
    assert {session["external_id"] for session in sessions} == {EXTERNAL_ID}
    assert bucket_location(moto, bucket) == (ROLE_ACCOUNT_ID, REGION)
    assert bucket_location(moto, f"{bucket}-access-logs") == (ROLE_ACCOUNT_ID, REGION)


def test_role_without_role_arn_assumes_nothing(moto, run_playbook):
    """With the null defaults, no role option reaches the modules and no AssumeRole request is sent."""
    bucket = unique_bucket("own-account-logs")
    mark = moto.mark()

    run = run_playbook("playbooks/logs_bucket.yml", {"logs_bucket_name": bucket, "logs_bucket_region": REGION})

    assert run.rc == 0, run.describe()
    assert "AssumeRole" not in operations(moto.requests_since(mark))
    assert bucket_location(moto, bucket) == ("123456789012", REGION)
