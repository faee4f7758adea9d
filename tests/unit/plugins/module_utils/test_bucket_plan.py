"""Tests of run_bucket_plan, the runner of the single-concern modules, against recorded AWS responses."""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import run_bucket_plan, single_concern_result

BUCKET = "example-logs"
VERSIONING = {"versioning": {"enabled": True}}


def stub_no_such_bucket(stubbed_aws):
    stubbed_aws.s3.add_client_error(
        "get_bucket_versioning",
        service_error_code="NoSuchBucket",
        service_message="The specified bucket does not exist",
        http_status_code=404,
        expected_params={"Bucket": BUCKET},
    )


def test_plan_missing_bucket_fails(stubbed_aws):
    stub_no_such_bucket(stubbed_aws)
    warnings = []

    with pytest.raises(ValidationError) as raised:
        run_bucket_plan(stubbed_aws.clients, BUCKET, VERSIONING, check_mode=False, warn=warnings.append)

    assert str(raised.value).startswith(f"Bucket {BUCKET} does not exist. Create it first")
    stubbed_aws.assert_no_pending_responses()


def test_plan_missing_bucket_check_mode(stubbed_aws):
    stub_no_such_bucket(stubbed_aws)
    warnings = []

    plan = run_bucket_plan(stubbed_aws.clients, BUCKET, VERSIONING, check_mode=True, warn=warnings.append)

    assert plan.changes == {"versioning": True}
    assert plan.written == []
    assert len(warnings) == 1
    assert f"Bucket {BUCKET} does not exist; check mode predicts the result for a new bucket" in warnings[0]
    stubbed_aws.assert_no_pending_responses()


@pytest.mark.parametrize("check_mode", [True, False])
def test_plan_same_prediction_both_modes(stubbed_aws, check_mode):
    stubbed_aws.s3.add_response("get_bucket_versioning", {}, {"Bucket": BUCKET})
    if not check_mode:
        stubbed_aws.s3.add_response(
            "put_bucket_versioning", {}, {"Bucket": BUCKET, "VersioningConfiguration": {"Status": "Enabled"}}
        )

    plan = run_bucket_plan(stubbed_aws.clients, BUCKET, VERSIONING, check_mode=check_mode, warn=lambda message: None)
    result = single_concern_result(plan, "versioning", diff=True)

    assert result["changed"] is True
    assert result["versioning"] == {"status": "Enabled", "mfa_delete": None}
    assert result["diff"] == {"before": {"status": None, "mfa_delete": None}, "after": {"status": "Enabled", "mfa_delete": None}}
    assert plan.written == ([] if check_mode else ["versioning"])
    stubbed_aws.assert_no_pending_responses()


def test_plan_warns_dotted_name(stubbed_aws):
    dotted = "logs.example.com"
    stubbed_aws.s3.add_response("get_bucket_versioning", {"Status": "Enabled"}, {"Bucket": dotted})
    warnings = []

    plan = run_bucket_plan(stubbed_aws.clients, dotted, VERSIONING, check_mode=False, warn=warnings.append)

    assert plan.changed is False
    assert len(warnings) == 1
    assert f"Bucket name '{dotted}' contains dots" in warnings[0]
    stubbed_aws.assert_no_pending_responses()
