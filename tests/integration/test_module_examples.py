"""Run the EXAMPLES of every module in plugins/modules/ as written, one playbook per module, against moto.

Each module's examples run in order in one play on an emptied moto server,
after what they name (buckets, KMS aliases, IAM users and roles) has been
created, with AWS_REGION set to the region the examples use.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest
import yaml
from integration.single_module_helpers import ACCOUNT_ID, aws_test_clients

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES_DIR = REPO_ROOT / "plugins" / "modules"
COLLECTION_PREFIX = "logsafe.aws."


@pytest.fixture(scope="module")
def aws(moto):
    """Return boto3 clients for this module's moto server."""
    with aws_test_clients(moto) as clients:
        yield clients


def module_names():
    return sorted(path.stem for path in MODULES_DIR.glob("*.py") if not path.name.startswith("_"))


def read_examples(module):
    """Return the tasks of a module's EXAMPLES string, parsed from the source without importing it."""
    tree = ast.parse((MODULES_DIR / f"{module}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "EXAMPLES" for target in node.targets):
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"plugins/modules/{module}.py has no EXAMPLES")


def module_args(task):
    """Return the arguments of the logsafe.aws module that a task calls, or None for another action."""
    for key, value in task.items():
        if key.startswith(COLLECTION_PREFIX):
            return value or {}
    return None


def examples_region(module, tasks, default_region):
    """Return the one region that the examples set, or the server's default when none sets it."""
    regions = {args["region"] for args in map(module_args, tasks) if args and args.get("region")}
    assert len(regions) <= 1, f"the examples of {module} use several regions: {sorted(regions)}"
    return regions.pop() if regions else default_region


def delivery_policy(target, source, prefix):
    """Return a bucket policy that lets S3 deliver the access logs of ``source`` into ``target``."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowAccessLogDelivery",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{target}/{prefix}*",
                    "Condition": {
                        "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{source}"},
                        "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                    },
                }
            ],
        }
    )


def create_logs_and_target_buckets(aws, region):
    aws.create_bucket("example-logs", region)
    aws.create_bucket("example-logs-access-logs", region)


def grant_delivery_to_target(aws, region):
    aws.client("s3", region).put_bucket_policy(
        Bucket="example-logs-access-logs",
        Policy=delivery_policy("example-logs-access-logs", "example-logs", "example-logs/"),
    )


def setup_s3_bucket(aws, region):
    # The first example creates example-logs itself; the second deletes this one.
    aws.create_bucket("example-old-logs", region)


def setup_s3_bucket_encryption(aws, region):
    create_logs_and_target_buckets(aws, region)
    aws.create_key_with_alias("alias/logs", region)


def setup_logs_bucket_only(aws, region):
    aws.create_bucket("example-logs", region)


def setup_s3_bucket_logging(aws, region):
    create_logs_and_target_buckets(aws, region)
    grant_delivery_to_target(aws, region)


def setup_s3_logs_bucket(aws, region):
    # The module creates both buckets; only the customer key must exist.
    aws.create_key_with_alias("alias/logs", region)


def setup_s3_logs_bucket_info(aws, region):
    """Build a bucket whose encryption and access logging match the expectations in the examples."""
    create_logs_and_target_buckets(aws, region)
    key = aws.create_key_with_alias("alias/logs", region)
    s3 = aws.client("s3", region)
    s3.put_bucket_encryption(
        Bucket="example-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    grant_delivery_to_target(aws, region)
    s3.put_bucket_logging(
        Bucket="example-logs",
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "example-logs-access-logs", "TargetPrefix": "example-logs/"}
        },
    )


def setup_s3_logs_bucket_audit(aws, region):
    """Create the buckets, the key and the IAM user and role that the audit examples name."""
    create_logs_and_target_buckets(aws, region)
    aws.create_key_with_alias("alias/logs", region)
    iam = aws.client("iam", region)
    iam.create_user(UserName="log-shipper")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName="log-reader", AssumeRolePolicyDocument=json.dumps(trust))


def setup_kms_key_policy_statements(aws, region):
    aws.create_bucket("example-logs", region)
    aws.create_key_with_alias("alias/example-logs", region)


def setup_nothing(aws, region):
    """Create nothing: the examples of kms_logs_key create the key and the bucket themselves."""


# What each module's examples need before they can run as written. A module
# that is added to plugins/modules/ needs an entry here.
EXAMPLE_SETUP = {
    "s3_bucket": setup_s3_bucket,
    "s3_bucket_encryption": setup_s3_bucket_encryption,
    "s3_bucket_lifecycle": setup_logs_bucket_only,
    "s3_bucket_logging": setup_s3_bucket_logging,
    "s3_bucket_ownership_controls": setup_logs_bucket_only,
    "s3_bucket_policy": create_logs_and_target_buckets,
    "s3_bucket_public_access_block": setup_logs_bucket_only,
    "s3_logs_bucket": setup_s3_logs_bucket,
    "s3_logs_bucket_info": setup_s3_logs_bucket_info,
    "s3_logs_bucket_audit": setup_s3_logs_bucket_audit,
    "kms_key_policy_statements": setup_kms_key_policy_statements,
    "kms_logs_key": setup_nothing,
}


def policy_sids(s3, bucket):
    return sorted(
        statement["Sid"] for statement in json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    )


def default_encryption(s3, bucket):
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    return rule["ApplyServerSideEncryptionByDefault"]


def verify_s3_bucket(aws, region):
    assert aws.client("s3", region).get_bucket_versioning(Bucket="example-logs")["Status"] == "Enabled"
    assert aws.bucket_exists("example-old-logs") is False


def verify_s3_bucket_encryption(aws, region):
    s3 = aws.client("s3", region)
    key_arn = aws.client("kms", region).describe_key(KeyId="alias/logs")["KeyMetadata"]["Arn"]
    assert default_encryption(s3, "example-logs") == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert default_encryption(s3, "example-logs-access-logs") == {"SSEAlgorithm": "AES256"}


def verify_s3_bucket_lifecycle(aws, region):
    rules = aws.client("s3", region).get_bucket_lifecycle_configuration(Bucket="example-logs")["Rules"]
    assert [rule["ID"] for rule in rules] == ["logs-retention"]


def verify_s3_bucket_logging(aws, region):
    # The second example turns off what the first one turned on.
    assert "LoggingEnabled" not in aws.client("s3", region).get_bucket_logging(Bucket="example-logs")


def verify_s3_bucket_ownership_controls(aws, region):
    controls = aws.client("s3", region).get_bucket_ownership_controls(Bucket="example-logs")["OwnershipControls"]
    assert controls["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def verify_s3_bucket_policy(aws, region):
    s3 = aws.client("s3", region)
    assert policy_sids(s3, "example-logs") == [
        "AllowSiemRead",
        "LogsafeDenyInsecureTransport",
        "LogsafeDenyOutdatedTls",
    ]
    target_sids = policy_sids(s3, "example-logs-access-logs")
    assert len(target_sids) == 2
    assert "LogsafeDenyInsecureTransport" in target_sids
    assert any(sid.startswith("LogsafeS3AccessLogsExampleLogs") for sid in target_sids)


def verify_s3_bucket_public_access_block(aws, region):
    flags = aws.client("s3", region).get_public_access_block(Bucket="example-logs")["PublicAccessBlockConfiguration"]
    assert set(flags.values()) == {True}


def verify_s3_logs_bucket(aws, region):
    s3 = aws.client("s3", region)
    assert s3.get_bucket_versioning(Bucket="example-logs")["Status"] == "Enabled"
    # The second example switches to the AWS managed key.
    assert default_encryption(s3, "example-logs") == {"SSEAlgorithm": "aws:kms"}
    assert default_encryption(s3, "example-logs-access-logs") == {"SSEAlgorithm": "AES256"}
    assert s3.get_bucket_logging(Bucket="example-logs")["LoggingEnabled"]["TargetBucket"] == "example-logs-access-logs"


def key_policy_sids(aws, region, alias):
    kms = aws.client("kms", region)
    # moto's GetKeyPolicy takes only a key id or ARN, not an alias.
    key_id = kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"]
    policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    return {statement.get("Sid") for statement in json.loads(policy)["Statement"]}


def verify_kms_key_policy_statements(aws, region):
    sids = key_policy_sids(aws, region, "alias/example-logs")
    assert {"LogsafeKeyCloudTrail", "LogsafeKeyReaders", "AllowKeyAdministrators"} <= sids
    assert "OldStatement" not in sids


def verify_kms_logs_key(aws, region):
    key_arn = aws.client("kms", region).describe_key(KeyId="alias/example-logs")["KeyMetadata"]["Arn"]
    s3 = aws.client("s3", region)
    assert default_encryption(s3, "example-logs") == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    assert "LogsafeKeyCloudTrail" in key_policy_sids(aws, region, "alias/example-logs")


def verify_nothing(aws, region):
    """Leave the check to the examples themselves.

    The examples of s3_logs_bucket_info end with an assert task, and those of
    s3_logs_bucket_audit only read; the test checks the report file they write.
    """


# What must hold after each module's examples ran.
EXAMPLE_OUTCOME = {
    "s3_bucket": verify_s3_bucket,
    "s3_bucket_encryption": verify_s3_bucket_encryption,
    "s3_bucket_lifecycle": verify_s3_bucket_lifecycle,
    "s3_bucket_logging": verify_s3_bucket_logging,
    "s3_bucket_ownership_controls": verify_s3_bucket_ownership_controls,
    "s3_bucket_policy": verify_s3_bucket_policy,
    "s3_bucket_public_access_block": verify_s3_bucket_public_access_block,
    "s3_logs_bucket": verify_s3_logs_bucket,
    "s3_logs_bucket_info": verify_nothing,
    "s3_logs_bucket_audit": verify_nothing,
    "kms_key_policy_statements": verify_kms_key_policy_statements,
    "kms_logs_key": verify_kms_logs_key,
}


def redirect_local_files(tasks, directory):
    """Point the dest of every ansible.builtin.copy task into ``directory``; return the new paths.

    This is the one change to the examples as written: a test writes only
    inside its own temporary directory, never to a fixed path such as /tmp/NAME.
    """
    paths = []
    for task in tasks:
        copy = task.get("ansible.builtin.copy")
        if copy and "dest" in copy:
            copy["dest"] = str(directory / Path(copy["dest"]).name)
            paths.append(Path(copy["dest"]))
    return paths


def examples_playbook(module, tasks):
    play = {
        "name": f"Examples of {COLLECTION_PREFIX}{module}",
        "hosts": "localhost",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": tasks,
    }
    return yaml.safe_dump([play], sort_keys=False)


def test_every_module_has_examples_and_setup():
    for module in module_names():
        tasks = read_examples(module)
        assert tasks, f"the EXAMPLES of {module} hold no task"
        assert module in EXAMPLE_SETUP, f"add the setup that the examples of {module} need to EXAMPLE_SETUP"
        assert module in EXAMPLE_OUTCOME, f"add what must hold after the examples of {module} to EXAMPLE_OUTCOME"


@pytest.mark.parametrize("module", module_names())
def test_examples_run_as_written(aws, moto, run_playbook, tmp_path, module):
    tasks = read_examples(module)
    written_files = redirect_local_files(tasks, tmp_path)
    region = examples_region(module, tasks, moto.region)
    moto.reset()
    EXAMPLE_SETUP[module](aws, region)

    run = run_playbook(
        examples_playbook(module, tasks),
        env={"AWS_REGION": region, "AWS_DEFAULT_REGION": region},
    )

    assert run.rc == 0, run.describe()
    for task in tasks:
        results = run.results_of(task["name"])
        assert len(results) == 1, f"example {task['name']!r} of {module} did not run once\n{run.describe()}"
        assert results[0]["failed"] is False, f"example {task['name']!r} of {module} failed: {results[0].get('msg')}"
    EXAMPLE_OUTCOME[module](aws, region)
    for path in written_files:
        assert path.is_file(), f"the examples of {module} did not write {path.name}"
        assert path.stat().st_size > 0, f"the examples of {module} wrote an empty {path.name}"
