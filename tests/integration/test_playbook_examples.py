"""The example playbooks of playbooks/examples/: the role inside playbooks of your own.

Each example runs as documented in its header, against this module's moto
server, with the inventory (if any) given through ANSIBLE_INVENTORY. The tests
run in file order and build on each other: the audit example checks the
buckets that the import_role example built.
"""

from __future__ import annotations

from integration.helpers import REGION, bucket_policy
from integration.helpers import aws_client as boto_client
from integration.installed_collection import REPO_ROOT
from integration.moto_state import assumed_roles, bucket_location

EXAMPLES = "playbooks/examples"
INVENTORIES = REPO_ROOT / EXAMPLES / "inventory"
IMPORTED_BUCKET = "example-imported-logs"
DEFAULTS_REGION = "eu-west-1"
DEFAULTS_ROLE_ARN = "arn:aws:iam::777788889999:role/LogsBucketAdmin"
# Host, role ARN and bucket name of each account in inventory/accounts.yml.
ACCOUNTS = {
    "logging-prod": ("arn:aws:iam::111111111111:role/LogsafeLogsBucket", "example-prod-logs"),
    "logging-staging": ("arn:aws:iam::222222222222:role/LogsafeLogsBucket", "example-staging-logs"),
}


def inventory_env(name: str) -> dict[str, str]:
    return {"ANSIBLE_INVENTORY": str(INVENTORIES / name)}


def statuses(run, task: str) -> dict[str, str]:
    """Return {host: status} of every result of one task."""
    return {entry["host"]: entry["status"] for entry in run.results if entry["task"] == task}


def test_import_role_example(moto, run_playbook):
    """import_role converges and verifies the bucket between the play's own tasks."""
    run = run_playbook(f"{EXAMPLES}/import_role.yml", {"logs_bucket_name": IMPORTED_BUCKET})
    s3 = boto_client(moto, "s3")

    assert run.rc == 0, run.describe()
    assert run.recap["localhost"]["changed"] == 1
    assert statuses(run, "Show where the application sends its logs") == {"localhost": "ok"}
    assert s3.get_bucket_logging(Bucket=IMPORTED_BUCKET)["LoggingEnabled"]["TargetBucket"] == (
        f"{IMPORTED_BUCKET}-access-logs"
    )


def test_include_role_verify_example(moto, run_playbook):
    """include_role with tasks_from: verify checks each bucket of a list and writes nothing."""
    mark = moto.mark()

    run = run_playbook(f"{EXAMPLES}/include_role_verify.yml", {"logs_buckets": [IMPORTED_BUCKET]})
    failed = [entry["task"] for entry in run.results if entry["status"] == "failed"]

    assert run.rc == 0, run.describe()
    assert run.recap["localhost"]["changed"] == 0
    assert failed == []
    assert statuses(run, f"logsafe.aws.logs_bucket : Check the existence of bucket {IMPORTED_BUCKET}") == {
        "localhost": "ok"
    }
    assert moto.writes_since(mark) == []


def test_include_role_verify_example_names_missing_bucket(run_playbook):
    """An audited bucket that does not exist fails the audit with its name in the message."""
    run = run_playbook(f"{EXAMPLES}/include_role_verify.yml", {"logs_buckets": ["example-missing-logs"]})
    failed = [str(entry["result"].get("msg", "")) for entry in run.results if entry["status"] == "failed"]

    assert run.rc != 0
    assert failed
    assert "example-missing-logs" in failed[0], failed


def test_module_defaults_example(moto, run_playbook):
    """group/logsafe.aws.aws gives single modules the region and role_arn; a rerun changes nothing."""
    bucket = "example-defaults-logs"
    extra_vars = {"logs_bucket_name": bucket, "logs_region": DEFAULTS_REGION, "logs_role_arn": DEFAULTS_ROLE_ARN}

    first = run_playbook(f"{EXAMPLES}/module_defaults.yml", extra_vars)
    mark = moto.mark()
    second = run_playbook(f"{EXAMPLES}/module_defaults.yml", extra_vars)
    sessions = assumed_roles(moto, DEFAULTS_ROLE_ARN)
    s3 = boto_client(moto, "s3", region=DEFAULTS_REGION)
    sids = {statement["Sid"] for statement in bucket_policy(s3, bucket)["Statement"]}
    settings = first.results_of("Read the bucket's settings")

    assert first.rc == 0, first.describe()
    assert statuses(first, "Deny TLS versions below 1.2 in the bucket policy") == {"localhost": "changed"}
    assert second.rc == 0, second.describe()
    assert second.recap["localhost"]["changed"] == 0, second.describe()
    assert moto.writes_since(mark) == []
    assert bucket_location(moto, bucket) == ("777788889999", DEFAULTS_REGION)
    assert settings[0]["region"] == DEFAULTS_REGION
    # Per run: converge and the read of verify through the role's variables,
    # then the policy task and the read task through module_defaults alone.
    assert len(sessions) == 8
    assert sids == {"LogsafeDenyInsecureTransport", "LogsafeDenyOutdatedTls"}


def test_app_servers_example(moto, run_playbook):
    """A play on two servers builds the bucket once from localhost and gives each server its destination."""
    bucket = "example-app-logs"
    mark = moto.mark()

    run = run_playbook(
        f"{EXAMPLES}/app_servers.yml", {"logs_bucket_name": bucket}, env=inventory_env("app_servers.yml")
    )
    bucket_creations = [call for call in moto.writes_since(mark) if call.operation == "CreateBucket"]
    converge = statuses(run, f"logsafe.aws.logs_bucket : Create or update bucket {bucket}")
    destinations = {
        entry["host"]: entry["result"]["ansible_facts"]["app_log_destination"]
        for entry in run.results
        if entry["task"] == "Set the log destination of each server"
    }

    assert run.rc == 0, run.describe()
    assert [call.path for call in bucket_creations] == [f"/{bucket}"]
    assert converge == {"app-1": "changed"}
    assert destinations == {"app-1": f"s3://{bucket}/app-1/", "app-2": f"s3://{bucket}/app-2/"}
    assert bucket_location(moto, bucket) == ("123456789012", REGION)


def test_accounts_example(moto, run_playbook):
    """Each account host assumes its own role, and its buckets are built in that account."""
    run = run_playbook(f"{EXAMPLES}/accounts.yml", env=inventory_env("accounts.yml"))

    assert run.rc == 0, run.describe()
    for host, (role_arn, bucket) in ACCOUNTS.items():
        account_id = role_arn.split(":")[4]
        sessions = assumed_roles(moto, role_arn)

        assert run.recap[host]["changed"] == 1, host
        assert run.recap[host]["failed"] == 0, host
        # One session for converge and one for the read of verify.
        assert len(sessions) == 2, host
        assert bucket_location(moto, bucket) == (account_id, "eu-west-1")
        assert bucket_location(moto, f"{bucket}-access-logs") == (account_id, "eu-west-1")
