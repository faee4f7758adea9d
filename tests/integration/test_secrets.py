"""Secrets: no credential, session token or external id appears in any output of ansible-playbook -vvvv.

Each run uses distinctive fake values, searched afterwards in stdout, stderr
and the registered task results. The failing-credential runs go through the
fault proxy, which fails every request with SignatureDoesNotMatch as AWS
does. For S3 the error body also contains the canonical request with the
session token, so a module that printed the whole AWS error would leak it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError

from integration.conftest import PLAYBOOK_TIMEOUT, REPO_ROOT, VENV_BIN, ansible_env
from integration.converged_state import CONVERGE_PLAYBOOK, role_vars
from integration.helpers import REGION, unique_bucket
from integration.moto_state import recorded_requests, request_header
from support.fault_proxy import FaultProxy

ENV_ACCESS_KEY = "AKIALOGSAFEENVKEY001"
ENV_SECRET = "LogsafeEnvSecretKey7Qw9Zx4Vb2Nm8Lk"
ENV_TOKEN = "LogsafeEnvSessionTokenP3s8Xr6Tq1Yu5"
OPTION_ACCESS_KEY = "AKIALOGSAFEOPTKEY002"
OPTION_SECRET = "LogsafeOptionSecretKey4Hj7Gf2Dk9Sa1"
OPTION_TOKEN = "LogsafeOptionSessionTokenW8e3Rt5Yp0"
EXTERNAL_ID = "LogsafeExternalIdC6v1Bn4Mz7"
ROLE_ARN = "arn:aws:iam::444455556666:role/LogsBucketAdmin"
SECRETS = (ENV_SECRET, ENV_TOKEN, OPTION_SECRET, OPTION_TOKEN, EXTERNAL_ID)


def secret_env(endpoint_url: str) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": ENV_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": ENV_SECRET,
        "AWS_SESSION_TOKEN": ENV_TOKEN,
        "AWS_ENDPOINT_URL": endpoint_url,
    }


def run_verbose(moto, playbook: str, extra_vars: dict, env: dict[str, str], run_dir) -> str:
    """Run ansible-playbook -vvvv and return everything it wrote: stdout, stderr and the registered results."""
    run_dir.mkdir(parents=True)
    extra_vars_file = run_dir / "extra-vars.json"
    extra_vars_file.write_text(json.dumps(extra_vars))
    if "\n" in playbook:
        (run_dir / "playbook.yml").write_text(playbook)
        playbook = str(run_dir / "playbook.yml")
    results = run_dir / "results.jsonl"
    completed = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-vvvv", playbook, "--extra-vars", f"@{extra_vars_file}"],
        cwd=REPO_ROOT,
        env=ansible_env(moto, results, run_dir / "ansible-tmp", env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=PLAYBOOK_TIMEOUT,
        check=False,
    )
    registered = results.read_text() if results.exists() else ""
    return f"rc={completed.returncode}\n{completed.stdout}\n{completed.stderr}\n{registered}"


def leaked(output: str, secrets=SECRETS) -> list[str]:
    return [secret for secret in secrets if secret in output]


def options_playbook(bucket: str) -> str:
    """Build a play whose module tasks take the credentials as options and print their registered results."""
    credentials = {
        "access_key": OPTION_ACCESS_KEY,
        "secret_key": OPTION_SECRET,
        "session_token": OPTION_TOKEN,
        "region": REGION,
    }
    module_calls = [
        ("converged", "logsafe.aws.s3_logs_bucket",
         {"name": bucket, "versioning": True, "policy": {"deny_insecure_transport": True}}),
        # With the bucket unmanaged, the first request is a GET, whose S3 error has a body.
        ("policy", "logsafe.aws.s3_bucket_policy", {"name": bucket, "deny_insecure_transport": True}),
        ("read", "logsafe.aws.s3_logs_bucket_info", {"name": bucket}),
    ]
    tasks = []
    for register, module, args in module_calls:
        task = {"name": f"Run {module} with credential options", module: {**args, **credentials}, "register": register}
        # The rescue prints the failed result, so that a failing run also shows every registered value.
        rescue = {"name": f"Print the failure of {module}", "ansible.builtin.debug": {"var": "ansible_failed_result"}}
        tasks.append({"name": f"Call {module}", "block": [task], "rescue": [rescue]})
    tasks.append({"name": "Print the registered results", "ansible.builtin.debug": {"var": "[converged, policy, read]"}})
    play = {"name": "Credentials as options", "hosts": "localhost", "gather_facts": False,
            "vars": {"ansible_python_interpreter": sys.executable}, "tasks": tasks}
    return json.dumps([play], indent=2) + "\n"


def test_role_verbose_run_hides_environment_secrets(moto, tmp_path):
    """Converge and verify with -vvvv, credentials from the environment and an assumed role with an external id."""
    bucket = unique_bucket("secret-role")
    mark = moto.mark()
    variables = role_vars(bucket, logs_bucket_role_arn=ROLE_ARN, logs_bucket_external_id=EXTERNAL_ID)

    output = run_verbose(moto, CONVERGE_PLAYBOOK, variables, secret_env(moto.endpoint_url), tmp_path / "role")

    assert output.startswith("rc=0"), output
    assumed_tokens = {
        request_header(request, "x-amz-security-token") for request in recorded_requests(moto, mark)
    } - {"", ENV_TOKEN}
    assert assumed_tokens, "no request used the assumed role's session"
    assert leaked(output, SECRETS + tuple(assumed_tokens)) == []


def test_module_verbose_run_hides_option_secrets(moto, tmp_path):
    """secret_key and session_token given as module options stay out of -vvvv output and registered results."""
    bucket = unique_bucket("secret-options")
    mark = moto.mark()

    output = run_verbose(moto, options_playbook(bucket), {}, {}, tmp_path / "options")

    assert output.startswith("rc=0"), output
    tokens = {request_header(request, "x-amz-security-token") for request in recorded_requests(moto, mark)}
    assert OPTION_TOKEN in tokens
    assert leaked(output) == []


@pytest.fixture
def rejecting_proxy(moto):
    with FaultProxy(moto.endpoint_url, reject_credentials=True) as proxy:
        yield proxy


def test_rejecting_proxy_echoes_session_token(rejecting_proxy):
    """The failing-credential endpoint returns the session token in the S3 error, as AWS does, so the tests below can fail."""
    s3 = boto3.client(
        "s3",
        endpoint_url=rejecting_proxy.url,
        region_name=REGION,
        aws_access_key_id=OPTION_ACCESS_KEY,
        aws_secret_access_key=OPTION_SECRET,
        aws_session_token=OPTION_TOKEN,
    )
    with pytest.raises(ClientError) as raised:
        s3.get_bucket_policy(Bucket="secret-echo")

    assert raised.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert OPTION_TOKEN in raised.value.response["Error"]["CanonicalRequest"]


def test_failing_credentials_fail_clearly_without_secrets(moto, rejecting_proxy, tmp_path):
    """With credentials that AWS rejects, the role and the modules fail naming the error, and print no secret."""
    bucket = unique_bucket("secret-failing")

    role_output = run_verbose(
        moto, CONVERGE_PLAYBOOK, role_vars(bucket), secret_env(rejecting_proxy.url), tmp_path / "role"
    )
    options_output = run_verbose(
        moto, options_playbook(bucket), {}, {"AWS_ENDPOINT_URL": rejecting_proxy.url}, tmp_path / "options"
    )

    assert not role_output.startswith("rc=0"), role_output
    assert options_output.count("SignatureDoesNotMatch, GetBucketPolicy") >= 1, options_output
    assert "Traceback" not in role_output
    assert "Traceback" not in options_output
    assert "HeadBucket" in role_output
    assert rejecting_proxy.faults
    assert leaked(role_output) == []
    assert leaked(options_output) == []
