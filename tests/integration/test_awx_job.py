"""The main playbook as an AWX or Automation Platform job runs it: through ansible-runner and a private data directory.

The directory is laid out the way AWX prepares it for a job template:
project/ contains the playbook, inventory/ the inventory, env/extravars the
survey answers (all strings, as a survey sends them) and the job template's
own variables, and env/envvars what the "Amazon Web Services" credential type
injects: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SECURITY_TOKEN. That
credential type sets no endpoint and no region, so the endpoint is the job
template variable logs_bucket_endpoint_url and the region a survey answer. The
collection comes from the installed tarball, named by ANSIBLE_COLLECTIONS_PATH
in env/envvars as an execution environment's image would provide it.
"""

from __future__ import annotations

import json
import stat

import pytest
import yaml

from integration.helpers import REGION, aws_client, bucket_tags, unique_bucket
from integration.installed_collection import (
    REPO_ROOT,
    VENV_BIN,
    build_and_install,
    copy_playbook,
    outside_env,
    run_command,
)
from integration.moto_state import recorded_requests, request_header

SURVEY_SPEC = REPO_ROOT / "docs" / "awx-survey.json"
ARGUMENT_SPECS = REPO_ROOT / "roles" / "logs_bucket" / "meta" / "argument_specs.yml"

# Fake credentials of the job, shaped like real ones (the secret key has 40
# characters) and distinctive, so that the tests can find them wherever they
# are written. moto accepts any key without checking the signature.
JOB_ACCESS_KEY_ID = "AKIAFAKEAWXJOB000001"
JOB_SECRET_ACCESS_KEY = "fAkE/AwxJobSecret+9f3c2b7e1d40a8c6b5e2f7"
JOB_SECURITY_TOKEN = "FAKE-awx-job-sts-token-" + "7c1e9a3f" * 12

# The answer to the survey's Tags question, which the survey sends as JSON text.
TAGS = {"team": "security", "cost-center": "4711"}

CONVERGE_TASK = "Create or update bucket {bucket}"


class _SpecLoader(yaml.SafeLoader):
    """A safe YAML loader that reads Ansible's !unsafe tag as a plain string."""


_SpecLoader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the tarball once for this module and install it into a fresh collections path."""
    return build_and_install(tmp_path_factory.mktemp("awx-tarball"))


@pytest.fixture(scope="module")
def bucket() -> str:
    return unique_bucket("awx-logs")


@pytest.fixture(scope="module")
def private_data_dir(moto, installed, bucket, tmp_path_factory):
    """Lay out a private data directory for one job template with a survey and an AWS credential."""
    root = tmp_path_factory.mktemp("awx-job")
    copy_playbook("playbooks/logs_bucket.yml", root / "project")
    (root / "inventory").mkdir()
    (root / "inventory" / "hosts").write_text("localhost ansible_connection=local\n")
    (root / "env").mkdir()
    envvars = {
        "AWS_ACCESS_KEY_ID": JOB_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": JOB_SECRET_ACCESS_KEY,
        "AWS_SECURITY_TOKEN": JOB_SECURITY_TOKEN,
        "ANSIBLE_COLLECTIONS_PATH": str(installed.collections_path),
    }
    survey_answers = {
        "logs_bucket_name": bucket,
        "logs_bucket_region": REGION,
        "logs_bucket_access_logging": "true",
        "logs_bucket_kms_key": "",
        "logs_bucket_tags": json.dumps(TAGS),
    }
    job_template_variables = {"logs_bucket_endpoint_url": moto.endpoint_url}
    (root / "env" / "envvars").write_text(yaml.safe_dump(envvars))
    (root / "env" / "extravars").write_text(yaml.safe_dump({**job_template_variables, **survey_answers}))
    return root


@pytest.fixture(scope="module")
def jobs(moto, private_data_dir):
    """Run the job twice, as two launches of the same job template; return {ident: requests recorded by moto}."""
    # The runner starts without endpoint or region, as on an AWX execution
    # node; its fake credentials are replaced by those of env/envvars.
    env = outside_env(base=moto.env())
    for name in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)

    requests = {}
    for ident in ("converge-1", "converge-2"):
        mark = moto.mark()
        run_command(
            [
                str(VENV_BIN / "ansible-runner"),
                "run",
                str(private_data_dir),
                "-p",
                "logs_bucket.yml",
                "--ident",
                ident,
            ],
            cwd=private_data_dir,
            env=env,
        )
        requests[ident] = recorded_requests(moto, mark)
    return requests


def job_events(private_data_dir, ident: str) -> list[dict]:
    """Return the job events of one run, in the order ansible-runner numbered them."""
    event_dir = private_data_dir / "artifacts" / ident / "job_events"
    paths = sorted(event_dir.glob("*.json"), key=lambda path: int(path.name.split("-", 1)[0]))
    return [json.loads(path.read_text()) for path in paths]


def stats_event(private_data_dir, ident: str) -> dict:
    """Return the event_data of the playbook_on_stats event of one run."""
    stats = [
        event["event_data"] for event in job_events(private_data_dir, ident) if event["event"] == "playbook_on_stats"
    ]
    assert len(stats) == 1
    return stats[0]


def signing_access_key_id(request: dict) -> str:
    """Return the access key id of a SigV4 Authorization header: Credential=KEY/DATE/REGION/SERVICE/aws4_request."""
    return request_header(request, "authorization").split("Credential=", 1)[-1].split("/", 1)[0]


def test_survey_questions_map_to_role_variables():
    """Every survey question sets a variable of the role's main entry point, required where the role requires it."""
    survey = json.loads(SURVEY_SPEC.read_text())
    options = yaml.load(ARGUMENT_SPECS.read_text(), Loader=_SpecLoader)["argument_specs"]["main"]["options"]
    variables = [question["variable"] for question in survey["spec"]]

    assert variables == [
        "logs_bucket_name",
        "logs_bucket_region",
        "logs_bucket_access_logging",
        "logs_bucket_kms_key",
        "logs_bucket_tags",
    ]
    assert [name for name in variables if name not in options] == []
    assert [name for name, option in options.items() if option.get("required") and name not in variables] == []
    for question in survey["spec"]:
        assert question["type"] in ("text", "textarea", "multiplechoice"), question
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"], question


def ok_tasks(private_data_dir, ident: str) -> list[str]:
    """Return the names of the tasks whose runner_on_ok event the run emitted, in order."""
    return [
        event["event_data"]["task"]
        for event in job_events(private_data_dir, ident)
        if event["event"] == "runner_on_ok" and event["event_data"]["host"] == "localhost"
    ]


def changed_tasks(private_data_dir, ident: str) -> list[str]:
    """Return the names of the tasks that reported a change in their runner_on_ok event, in order."""
    return [
        event["event_data"]["task"]
        for event in job_events(private_data_dir, ident)
        if event["event"] == "runner_on_ok" and event["event_data"]["res"].get("changed")
    ]


def test_job_first_launch_changes_bucket(private_data_dir, jobs, bucket):
    """The first launch counts one changed task, the converge, and an ok for every task event."""
    stats = stats_event(private_data_dir, "converge-1")
    ok = ok_tasks(private_data_dir, "converge-1")

    assert stats["changed"] == {"localhost": 1}
    assert changed_tasks(private_data_dir, "converge-1") == [CONVERGE_TASK.format(bucket=bucket)]
    assert stats["ok"] == {"localhost": len(ok)}
    assert CONVERGE_TASK.format(bucket=bucket) in ok
    assert f"Check the existence of bucket {bucket}" in ok
    assert stats["failures"] == {}
    assert stats["dark"] == {}


def test_job_second_launch_changes_nothing(private_data_dir, jobs):
    """The second launch of the same job template counts changed=0 and the same oks as the first."""
    stats = stats_event(private_data_dir, "converge-2")

    assert stats["changed"] == {}
    assert changed_tasks(private_data_dir, "converge-2") == []
    assert ok_tasks(private_data_dir, "converge-2") == ok_tasks(private_data_dir, "converge-1")
    assert stats["ok"] == {"localhost": len(ok_tasks(private_data_dir, "converge-1"))}
    assert stats["failures"] == {}


def test_job_applies_survey_answers(moto, jobs, bucket):
    """The survey answers arrive as strings and still set the tags and the access-log bucket."""
    s3 = aws_client(moto, "s3")

    assert bucket_tags(s3, bucket) == TAGS
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]["TargetBucket"] == f"{bucket}-access-logs"


def test_job_signs_with_injected_credentials(jobs):
    """Every AWS request of both launches is signed with the credential's access key and carries its STS token."""
    requests = jobs["converge-1"] + jobs["converge-2"]
    access_key_ids = {signing_access_key_id(request) for request in requests}
    tokens = {request_header(request, "x-amz-security-token") for request in requests}

    assert requests
    assert access_key_ids == {JOB_ACCESS_KEY_ID}
    assert tokens == {JOB_SECURITY_TOKEN}


def test_job_output_contains_no_secret(private_data_dir, jobs):
    """Neither the secret key nor the token is in stdout, stderr, the job events or any other artifact but command."""
    leaks = []
    for path in sorted((private_data_dir / "artifacts").rglob("*")):
        if not path.is_file() or path.name == "command":
            continue
        text = path.read_text(errors="replace")
        leaks += [
            f"{path.relative_to(private_data_dir)}: {name}"
            for name, secret in (("secret key", JOB_SECRET_ACCESS_KEY), ("token", JOB_SECURITY_TOKEN))
            if secret in text
        ]
    extravars = (private_data_dir / "env" / "extravars").read_text()

    assert leaks == []
    assert JOB_SECRET_ACCESS_KEY not in extravars
    assert JOB_SECURITY_TOKEN not in extravars


def test_job_command_artifact_owner_only(private_data_dir, jobs):
    """The command artifact, which contains the job's environment, is readable by its owner only.

    NOTE: ansible-runner 2.4 always writes the whole process environment,
    credentials included, into artifacts/<ident>/command. AWX does not prevent
    that write either: it passes the credential's variables in memory with
    suppress_env_files (so no env/envvars file exists), stores the job's
    environment with secret values masked, and deletes the private data
    directory when the job ends.
    """
    for ident in jobs:
        command_file = private_data_dir / "artifacts" / ident / "command"
        mode = stat.S_IMODE(command_file.stat().st_mode)

        assert mode == 0o600, f"{command_file} has mode {oct(mode)}"
