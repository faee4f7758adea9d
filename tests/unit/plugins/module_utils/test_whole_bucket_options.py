"""Tests of how s3_logs_bucket options map to concern options, for the source and the access-log target."""

from __future__ import annotations

import pytest

from ansible_collections.logsafe.aws.plugins.module_utils._concern import BucketContext
from ansible_collections.logsafe.aws.plugins.module_utils._encryption import EncryptionConcern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._policy import PolicyConcern
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import (
    DENY_INSECURE_TRANSPORT_SID,
    s3_access_logs_sid,
)
from ansible_collections.logsafe.aws.plugins.module_utils._public_access_block import PublicAccessBlockConcern
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import (
    WRITE_ORDER,
    BucketPlan,
    WholeBucketRun,
    source_bucket_options,
    strip_none,
    target_bucket_options,
)

ACCOUNT = "123456789012"
SOURCE = "example-logs"
TARGET = "example-logs-access-logs"


def module_params(**options):
    """Build the parameters that Ansible passes to s3_logs_bucket: every unset option is None."""
    params = {
        "name": SOURCE,
        "account_id": None,
        "versioning": None,
        "tags": None,
        "purge_tags": True,
        "object_ownership": None,
        "public_access_block": None,
        "encryption": None,
        "lifecycle": None,
        "policy": None,
        "access_logging": None,
    }
    params.update(options)
    return params


def access_logging(**options):
    """Build the access_logging group as Ansible fills it in, with the documented defaults."""
    group = {
        "enabled": True,
        "target_bucket": TARGET,
        "target_prefix": None,
        "target_object_key_format": None,
        "manage_target": False,
        "target_lifecycle_rules": None,
    }
    group.update(options)
    return group


@pytest.fixture
def aws_params(aws_params):
    return dict(aws_params, account_id=ACCOUNT)


# strip_none


STRIP_NONE_CASES = [
    pytest.param({"a": None, "b": 1}, {"b": 1}, id="top-level"),
    pytest.param({"a": {"b": None, "c": 0}}, {"a": {"c": 0}}, id="nested"),
    pytest.param([{"a": None, "b": False}], [{"b": False}], id="dicts-in-list"),
    pytest.param({"a": "", "b": [], "c": {}}, {"a": "", "b": [], "c": {}}, id="empty-values-kept"),
    pytest.param("text", "text", id="scalar"),
    pytest.param(None, None, id="none"),
]


@pytest.mark.parametrize("value, expected", STRIP_NONE_CASES)
def test_strip_none(value, expected):
    assert strip_none(value) == expected


# source_bucket_options


def test_source_options_unset_unmanaged():
    assert source_bucket_options(module_params()) == {"bucket": {}}


def test_source_options_unset_costs_nothing(stubbed_aws):
    plan = BucketPlan(stubbed_aws.context(SOURCE), source_bucket_options(module_params()))

    assert [concern.key for concern in plan.managed()] == ["bucket"]
    for key in WRITE_ORDER[1:]:
        assert plan.result()["concerns"][key] == {"managed": False, "changed": False, "state": None}


SOURCE_OPTION_CASES = [
    pytest.param(
        {"versioning": False}, "versioning", {"enabled": False, "allow_retention_decrease": False}, id="versioning-false"
    ),
    pytest.param(
        {"versioning": True}, "versioning", {"enabled": True, "allow_retention_decrease": False}, id="versioning-true"
    ),
    pytest.param(
        {"versioning": False, "allow_retention_decrease": True},
        "versioning",
        {"enabled": False, "allow_retention_decrease": True},
        id="versioning-allow-decrease",
    ),
    pytest.param({"tags": {"team": "security"}}, "tags", {"tags": {"team": "security"}, "purge": True}, id="tags"),
    pytest.param(
        {"tags": {"team": "security"}, "purge_tags": False},
        "tags",
        {"tags": {"team": "security"}, "purge": False},
        id="tags-without-purge",
    ),
    pytest.param({"tags": {}}, "tags", {"tags": {}, "purge": True}, id="empty-tags-managed"),
    pytest.param(
        {"object_ownership": "BucketOwnerEnforced"},
        "ownership_controls",
        {"object_ownership": "BucketOwnerEnforced", "migrate_acls": True},
        id="object-ownership",
    ),
    pytest.param(
        {"public_access_block": {"block_public_acls": None, "ignore_public_acls": False, "block_public_policy": None, "restrict_public_buckets": None}},
        "public_access_block",
        {"ignore_public_acls": False},
        id="public-access-block",
    ),
    pytest.param(
        {"encryption": {"sse_algorithm": "aws:kms", "kms_key": "alias/logs", "bucket_key_enabled": None}},
        "encryption",
        {"sse_algorithm": "aws:kms", "kms_key": "alias/logs"},
        id="encryption",
    ),
    pytest.param(
        {"policy": {"deny_insecure_transport": True, "purge_statements": False}},
        "policy",
        {"deny_insecure_transport": True, "purge_statements": False},
        id="policy",
    ),
    pytest.param(
        {
            "lifecycle": {
                "rules": [{"id": "expire", "expiration": {"days": 30, "date": None}}],
                "purge_rules": False,
                "transition_default_minimum_object_size": None,
            }
        },
        "lifecycle",
        {"rules": [{"id": "expire", "expiration": {"days": 30}}], "purge_rules": False, "allow_retention_decrease": False},
        id="lifecycle",
    ),
    pytest.param(
        {"access_logging": access_logging(target_prefix="example-logs/", target_object_key_format="partitioned_event_time")},
        "logging",
        {"enabled": True, "target_bucket": TARGET, "target_prefix": "example-logs/", "target_object_key_format": "partitioned_event_time"},
        id="access-logging",
    ),
    pytest.param(
        {"access_logging": access_logging()},
        "logging",
        {"enabled": True, "target_bucket": TARGET, "target_prefix": "", "target_object_key_format": None},
        id="access-logging-default-prefix",
    ),
    pytest.param(
        {"access_logging": access_logging(enabled=False, target_bucket=None)},
        "logging",
        {"enabled": False, "target_bucket": None, "target_prefix": "", "target_object_key_format": None},
        id="access-logging-disabled",
    ),
]


@pytest.mark.parametrize("options, key, expected", SOURCE_OPTION_CASES)
def test_source_options(options, key, expected):
    concern_options = source_bucket_options(module_params(**options))

    assert concern_options[key] == expected
    assert set(concern_options) == {"bucket", key}


def test_source_options_logging_not_target():
    concern_options = source_bucket_options(module_params(access_logging=access_logging(manage_target=True)))

    assert "policy" not in concern_options
    assert "manage_target" not in concern_options["logging"]


# target_bucket_options


def target_params(**logging_options):
    return module_params(
        tags={"team": "security"},
        purge_tags=False,
        access_logging=access_logging(manage_target=True, target_prefix="example-logs/", **logging_options),
    )


def target_context(stubbed_aws):
    return BucketContext(TARGET, stubbed_aws.clients)


def test_target_options_keys():
    options = target_bucket_options(target_params())

    assert set(options) == {"bucket", "public_access_block", "ownership_controls", "encryption", "policy", "tags"}


def test_target_options_public_access_block(stubbed_aws):
    options = target_bucket_options(target_params())
    concern = PublicAccessBlockConcern(target_context(stubbed_aws), options["public_access_block"])

    desired = concern.desired(None)

    assert desired == {
        "block_public_acls": True,
        "ignore_public_acls": True,
        "block_public_policy": True,
        "restrict_public_buckets": True,
    }


def test_target_options_ownership():
    options = target_bucket_options(target_params())

    assert options["ownership_controls"] == {"object_ownership": "BucketOwnerEnforced"}


def test_target_options_encryption(stubbed_aws):
    options = target_bucket_options(target_params())
    concern = EncryptionConcern(target_context(stubbed_aws), options["encryption"])

    concern.validate()
    desired = concern.desired(None)

    assert concern.view(desired) == {"sse_algorithm": "AES256", "kms_key": None, "bucket_key_enabled": False}
    stubbed_aws.assert_no_pending_responses()


def test_target_options_policy(stubbed_aws):
    options = target_bucket_options(target_params())
    concern = PolicyConcern(target_context(stubbed_aws), options["policy"])

    concern.validate()
    statements = {statement["Sid"]: statement for statement in concern.managed_statements()}

    assert set(statements) == {DENY_INSECURE_TRANSPORT_SID, s3_access_logs_sid(SOURCE)}
    delivery = statements[s3_access_logs_sid(SOURCE)]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Resource"] == f"arn:aws:s3:::{TARGET}/example-logs/*"
    assert delivery["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:s3:::{SOURCE}"}
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert statements[DENY_INSECURE_TRANSPORT_SID]["Resource"] == [f"arn:aws:s3:::{TARGET}", f"arn:aws:s3:::{TARGET}/*"]
    stubbed_aws.assert_no_pending_responses()


def test_target_options_default_prefix():
    params = module_params(access_logging=access_logging(manage_target=True))

    options = target_bucket_options(params)

    assert options["policy"]["access_log_sources"] == [{"bucket": SOURCE, "prefix": ""}]


def test_target_options_tags():
    options = target_bucket_options(target_params())

    assert options["tags"] == {"tags": {"team": "security"}, "purge": False}


def test_target_options_lifecycle_rules():
    rules = [{"id": "expire-access-logs", "status": None, "expiration": {"days": 90, "date": None}}]

    options = target_bucket_options(target_params(target_lifecycle_rules=rules))

    assert options["lifecycle"] == {
        "rules": [{"id": "expire-access-logs", "expiration": {"days": 90}}],
        "purge_rules": False,
        "allow_retention_decrease": False,
    }


# WholeBucketRun


def test_run_target_written_first(stubbed_aws):
    run = WholeBucketRun(stubbed_aws.clients, target_params())

    assert [plan.name for plan in run.plans()] == [TARGET, SOURCE]


def test_run_unmanaged_target_gets_delivery_only(stubbed_aws):
    run = WholeBucketRun(stubbed_aws.clients, module_params(access_logging=access_logging()))

    plans = run.plans()
    assert [plan.name for plan in plans][1:] == [SOURCE]
    assert [concern.key for concern in plans[0].managed()] == ["policy"]
    assert plans[0].concerns["policy"].options["access_log_sources"][0]["bucket"] == SOURCE


def test_run_no_target_without_grant_delivery(stubbed_aws):
    run = WholeBucketRun(stubbed_aws.clients, module_params(access_logging=access_logging(grant_delivery=False)))

    assert [plan.name for plan in run.plans()] == [SOURCE]


def test_run_validate_invalid_target_name(stubbed_aws):
    params = module_params(access_logging=access_logging(manage_target=True, target_bucket="Access_Logs"))
    run = WholeBucketRun(stubbed_aws.clients, params)

    with pytest.raises(ValidationError) as raised:
        run.validate()

    assert "Invalid bucket name 'Access_Logs' in access_logging.target_bucket" in str(raised.value)


def test_run_validate_missing_target(stubbed_aws):
    params = module_params(access_logging=access_logging(target_bucket=None))
    run = WholeBucketRun(stubbed_aws.clients, params)

    with pytest.raises(ValidationError) as raised:
        run.validate()

    assert f"Missing access_logging.target_bucket for bucket {SOURCE}" in str(raised.value)
