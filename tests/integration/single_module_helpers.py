"""Shared steps of the integration tests of the single-setting modules (s3_bucket, s3_bucket_*).

The test files import boto3 clients on the test module's moto server
(``aws_test_clients``) and the shared steps from here. The ladder runs check mode, apply,
check mode again and apply again. Other helpers check that a module rejects
input before it sends any request, and run playbooks of several module tasks.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
import urllib.request
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import boto3
import pytest
from botocore.exceptions import ClientError
from support.moto_server import MotoServer, classify_recorded_request, complete_recording_lines, decode_recorded_line

# moto's default account; STS GetCallerIdentity returns it for the fake credentials.
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

# (step name, check mode, expected "changed"): the ladder that every module must pass.
LADDER_STEPS = (
    ("check mode", True, True),
    ("apply", False, True),
    ("check mode again", True, False),
    ("apply again", False, False),
)

# One task of a multi-task playbook: (task name, module name, module arguments).
Task = Tuple[str, str, Dict[str, Any]]


class AwsTestClients:
    """boto3 clients on one moto server, created on first use, one per service and region."""

    def __init__(self, moto: MotoServer) -> None:
        self.moto = moto
        self._clients: Dict[Tuple[str, str], Any] = {}

    def client(self, service: str, region: Optional[str] = None) -> Any:
        """Return the client of ``service`` in ``region`` (default: the server's region)."""
        key = (service, region or self.moto.region)
        if key not in self._clients:
            session = boto3.session.Session(region_name=key[1])
            self._clients[key] = session.client(service, endpoint_url=self.moto.endpoint_url)
        return self._clients[key]

    @property
    def s3(self) -> Any:
        return self.client("s3")

    @property
    def kms(self) -> Any:
        return self.client("kms")

    def create_bucket(self, name: str, region: Optional[str] = None) -> None:
        """Create a bucket in ``region`` (default: the server's region)."""
        region = region or self.moto.region
        kwargs: Dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        self.client("s3", region).create_bucket(**kwargs)

    def bucket_exists(self, name: str) -> bool:
        """Tell whether HeadBucket finds the bucket."""
        try:
            self.s3.head_bucket(Bucket=name)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchBucket"):
                return False
            raise
        return True

    def create_key_with_alias(self, alias: str, region: Optional[str] = None) -> Dict[str, Any]:
        """Create a symmetric KMS key with an alias; return the key's metadata."""
        kms = self.client("kms", region)
        metadata = kms.create_key(Description=f"test key for {alias}")["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=metadata["KeyId"])
        return metadata


@contextlib.contextmanager
def aws_test_clients(moto: MotoServer) -> Iterator[AwsTestClients]:
    """Yield boto3 clients for the moto server, with fake credentials only.

    Each test file wraps this in its module-scoped ``aws`` fixture. Inside the
    block the environment of the test process holds only the server's fake AWS
    settings, so boto3 never reads a real profile, credentials file or metadata service.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("AWS_", "BOTO_")):
                patch.delenv(name)
        for name, value in moto.env().items():
            if name.startswith("AWS_") or name.lower() == "no_proxy":
                patch.setenv(name, value)
        yield AwsTestClients(moto)


def module_failure(result: Dict[str, Any]) -> str:
    """Return the failure message of a task result, for assertion messages."""
    return str(result.get("msg") or result)


def run_ladder(
    run_module: Callable[..., Any],
    moto: MotoServer,
    module: str,
    args: Dict[str, Any],
    read_state: Callable[[], Any],
    before: Any,
    after: Any,
) -> List[Dict[str, Any]]:
    """Run check mode, apply, check mode again and apply again; return the four results.

    After each step the AWS state (``read_state()``, read with boto3) must be
    ``before`` until the first apply and ``after`` from then on. Check-mode
    steps and the second apply must send no write, and all four results must
    have the same top-level keys.
    """
    results = []
    for step, check, changed in LADDER_STEPS:
        mark = moto.mark()
        result = run_module(module, args, check=check).result
        assert result["failed"] is False, f"{module} failed in step '{step}': {module_failure(result)}"
        assert result["changed"] is changed, f"{module} reported changed={result['changed']} in step '{step}'"

        writes = moto.writes_since(mark)
        if check or not changed:
            assert writes == [], f"{module} sent writes in step '{step}': {[str(call) for call in writes]}"
        else:
            assert writes, f"{module} reported a change in step '{step}' but sent no write"

        expected = before if step == "check mode" else after
        actual = read_state()
        assert actual == expected, f"AWS state after step '{step}' of {module}: {actual!r}, expected {expected!r}"
        results.append(result)

    first_keys = sorted(results[0])
    for (step, _check, _changed), result in zip(LADDER_STEPS, results):
        assert sorted(result) == first_keys, (
            f"result keys of {module} in step '{step}' are {sorted(result)}, but {first_keys} in check mode"
        )
    return results


def assert_same_in_every_step(results: Sequence[Dict[str, Any]], key: str) -> None:
    """Assert that the check-mode prediction of ``result[key]`` equals what every later step returned."""
    predicted = results[0][key]
    for (step, _check, _changed), result in zip(LADDER_STEPS, results):
        assert result[key] == predicted, (
            f"result[{key!r}] in step '{step}' is {result[key]!r}, check mode predicted {predicted!r}"
        )


def assert_rejected_before_any_request(
    run_module: Callable[..., Any],
    moto: MotoServer,
    module: str,
    args: Dict[str, Any],
    fragments: Iterable[str],
) -> str:
    """Run a module that must fail validation; assert the message fragments and that no request was sent."""
    mark = moto.mark()
    result = run_module(module, args).result
    assert result["failed"] is True, f"{module} accepted invalid input {args!r}: {result!r}"
    message = result["msg"]
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} is missing from the message: {message}"
    requests = moto.requests_since(mark)
    assert requests == [], f"{module} sent requests before it rejected the input: {[str(call) for call in requests]}"
    return message


def tasks_playbook(tasks: Sequence[Task], ignore_errors: bool = False) -> str:
    """Return a playbook on localhost that runs the given module tasks in order.

    JSON is valid YAML, so the arguments keep their types.
    """
    play_tasks = []
    for task_name, module, args in tasks:
        fqcn = module if "." in module else f"logsafe.aws.{module}"
        task: Dict[str, Any] = {"name": task_name, fqcn: args}
        if ignore_errors:
            task["ignore_errors"] = True
        play_tasks.append(task)
    play = {
        "name": "Run logsafe.aws module tasks",
        "hosts": "localhost",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": play_tasks,
    }
    return json.dumps([play], indent=2) + "\n"


def run_tasks(
    run_playbook: Callable[..., Any],
    tasks: Sequence[Task],
    check: bool = False,
    ignore_errors: bool = False,
) -> Dict[str, Dict[str, Any]]:
    """Run several module tasks in one playbook; return each task's result by task name."""
    playbook_run = run_playbook(tasks_playbook(tasks, ignore_errors), check=check)
    results = {}
    for task_name, _module, _args in tasks:
        task_results = playbook_run.results_of(task_name)
        assert len(task_results) == 1, f"expected one result of task {task_name!r}\n{playbook_run.describe()}"
        results[task_name] = task_results[0]
    return results


def recorded_requests_since(moto: MotoServer, mark: int) -> List[Dict[str, Any]]:
    """Return the raw requests after ``mark`` (method, URL, headers, decoded ``body`` text) with their operation name.

    The request log that MotoServer reads is moto's recorder file, and
    moto's /moto-api/recorder/download-recording returns that same file, so
    ``mark`` counts the same lines.
    """
    url = f"{moto.endpoint_url}/moto-api/recorder/download-recording"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        data = response.read().decode("utf-8", errors="replace")
    entries = [
        entry
        for number, line in enumerate(complete_recording_lines(data)[mark:], start=mark + 1)
        for entry in decode_recorded_line(line, number)
    ]
    requests = []
    for entry in entries:
        call = classify_recorded_request(entry)
        if call is None:
            continue
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        requests.append({"operation": call.operation, "method": entry["method"], "url": entry["url"], "body": body})
    return requests
