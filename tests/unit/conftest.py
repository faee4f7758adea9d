"""Fixtures for unit tests: a real AwsClients whose clients return responses from botocore Stubbers.

No unit test sends a request. The s3, kms and sts clients of the
``stubbed_aws`` fixture have active Stubbers, and its session raises on any
request that no Stubber responded to, so a forgotten stub fails the test
instead of reaching the network.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Tuple

import botocore.loaders
import botocore.session
import pytest
from botocore.stub import Stubber

from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients
from ansible_collections.logsafe.aws.plugins.module_utils._concern import BucketContext, Concern

REGION = "us-east-1"
BUCKET = "example-logs"
STUBBED_SERVICES = ("s3", "kms", "sts")


class UnstubbedRequestError(Exception):
    """A request reached the HTTP layer, which means that no Stubber responded to it."""


def _reject_request(request: Any, **_: Any) -> None:
    raise UnstubbedRequestError(f"Unit tests must not send requests, but one was about to go to {request.url}.")


class StubbedAws:
    """An AwsClients with fake credentials whose s3, kms and sts clients are wrapped in active Stubbers."""

    def __init__(self, params: Dict[str, Any]) -> None:
        self.sleeps: List[float] = []
        self.clients = AwsClients(params, sleep=self.sleeps.append)
        # Registered on the session before any client exists, so every client copies it.
        self.clients.session.register("before-send", _reject_request)
        self.stubbers = {service: Stubber(self.clients.client(service)) for service in STUBBED_SERVICES}
        for stubber in self.stubbers.values():
            stubber.activate()

    @property
    def s3(self) -> Stubber:
        return self.stubbers["s3"]

    @property
    def kms(self) -> Stubber:
        return self.stubbers["kms"]

    @property
    def sts(self) -> Stubber:
        return self.stubbers["sts"]

    def context(self, name: str = BUCKET, created: bool = False) -> BucketContext:
        """Build the context of an existing bucket. ``created`` marks it as created by this run."""
        ctx = BucketContext(name, self.clients)
        ctx.created = created
        return ctx

    def run(self, concern: Concern) -> Tuple[bool, Any, Any]:
        """Run one concern as the module runner does: validate, read, decide, and write only when the states differ.

        Returns ``(changed, current, desired)``.
        """
        concern.validate()
        current = concern.read()
        desired = concern.desired(current)
        changed = concern.differs(current, desired)
        if changed:
            concern.write(current, desired)
        return changed, current, desired

    def assert_no_pending_responses(self) -> None:
        """Fail when a stubbed response of any service was not consumed."""
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()

    def deactivate(self) -> None:
        for stubber in self.stubbers.values():
            stubber.deactivate()


@pytest.fixture
def fake_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Replace every AWS variable of the environment with fake credentials and no config files."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture
def aws_params() -> Dict[str, Any]:
    """Return the connection options as a module receives them. A test module may override this fixture to add ``account_id``."""
    return {
        "region": REGION,
        "access_key": "testing",
        "secret_key": "testing",
        "endpoint_url": None,
        "validate_certs": True,
    }


@pytest.fixture(scope="session")
def shared_data_loader():
    """Make every botocore session of the test run share one data loader.

    Each AwsClients builds its own session, and a new session parses the
    service models again: about 0.2 s of setup per test, measured with
    ``pytest --durations`` on a 2-core machine. The loader only reads the
    model files that botocore ships and caches them, so sharing it is safe.
    """
    loader = botocore.loaders.create_loader()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", lambda *args, **kwargs: loader)
        yield loader


@pytest.fixture
def stubbed_aws(fake_aws_env: None, aws_params: Dict[str, Any], shared_data_loader: Any):
    """Yield a StubbedAws whose stubbers are deactivated after the test."""
    aws = StubbedAws(aws_params)
    # Every boto3 session appends its own data folder to the shared loader's search path.
    shared_data_loader.search_paths[:] = list(dict.fromkeys(shared_data_loader.search_paths))
    yield aws
    aws.deactivate()
