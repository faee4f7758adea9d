"""The connection options for restricted networks: an HTTP proxy and a private CA bundle.

Proxy tests run a module against this module's moto server through a
forward proxy on 127.0.0.1 (tests/support/forward_proxy.py), once with the
``proxies`` option and once with HTTP_PROXY in the environment, and compare
what the proxy forwarded with what moto received. CA bundle tests run a
module against a second moto server that serves HTTPS with a self-signed
certificate made for the test (tests/support/tls_moto_server.py).
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config

from integration.conftest import PlaybookRunner, module_playbook
from integration.helpers import aws_client, bucket_exists, unique_bucket
from support.forward_proxy import ForwardProxy
from support.tls_moto_server import TlsMotoServer, write_self_signed_certificate

TASK = "Run the module under test"
# Proxy variables that a developer's shell may export. Python's proxy lookup
# prefers the lower-case names, so they would hide HTTP_PROXY.
LOWER_CASE_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def logs_bucket_args(bucket: str) -> dict:
    """Return s3_logs_bucket options that make several requests, some of them concurrent."""
    return {
        "name": bucket,
        "versioning": True,
        "object_ownership": "BucketOwnerEnforced",
        "public_access_block": {},
        "encryption": {"sse_algorithm": "AES256"},
        "policy": {"deny_insecure_transport": True},
    }


def module_result(run) -> dict:
    results = run.results_of(TASK)
    assert len(results) == 1, run.describe()
    return results[0]


def requests_of(calls) -> list[tuple[str, str]]:
    """Return (HTTP method, path) of recorded moto calls, sorted, because concurrent requests arrive in any order."""
    return sorted((call.method, call.path) for call in calls)


def forwarded_requests(proxy: ForwardProxy) -> list[tuple[str, str]]:
    return sorted((request.method, request.path) for request in proxy.forwarded)


def test_proxies_option_routes_requests(moto, run_playbook):
    """With proxies.http set, every request of the module reaches moto through the proxy.

    moto.env() lists 127.0.0.1 in NO_PROXY. botocore (checked with 1.44)
    applies NO_PROXY only to proxies that it reads from the environment, so
    the option still applies.
    """
    bucket = unique_bucket("proxied")

    with ForwardProxy() as proxy:
        args = {**logs_bucket_args(bucket), "proxies": {"http": proxy.url}}
        mark = moto.mark()
        run = run_playbook(module_playbook("logsafe.aws.s3_logs_bucket", args, TASK))
        received = moto.requests_since(mark)

    result = module_result(run)
    assert result["failed"] is False, result.get("msg")
    assert result["changed"] is True
    assert bucket_exists(aws_client(moto, "s3"), bucket)
    assert received
    assert forwarded_requests(proxy) == requests_of(received)
    assert {request.target for request in proxy.forwarded} == {f"127.0.0.1:{moto.port}"}
    assert proxy.rejected == []


def test_http_proxy_environment_routes_requests(moto, run_playbook, monkeypatch):
    """With HTTP_PROXY set and NO_PROXY empty, botocore sends every request through the proxy."""
    for name in LOWER_CASE_PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    bucket = unique_bucket("env-proxied")

    with ForwardProxy() as proxy:
        # moto.env() puts 127.0.0.1 into NO_PROXY, which would bypass the proxy here.
        env = {"HTTP_PROXY": proxy.url, "NO_PROXY": "", "no_proxy": ""}
        mark = moto.mark()
        run = run_playbook(module_playbook("logsafe.aws.s3_logs_bucket", logs_bucket_args(bucket), TASK), env=env)
        received = moto.requests_since(mark)

    result = module_result(run)
    assert result["failed"] is False, result.get("msg")
    assert result["changed"] is True
    assert bucket_exists(aws_client(moto, "s3"), bucket)
    assert received
    assert forwarded_requests(proxy) == requests_of(received)
    assert proxy.rejected == []


def test_proxy_forwards_only_to_loopback():
    """The test proxy refuses every host but 127.0.0.1 without connecting to it."""
    with ForwardProxy() as proxy:
        address = urlsplit(proxy.url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        try:
            connection.request("GET", "http://localhost:9/", headers={"Host": "localhost:9"})
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()

    assert response.status == 403
    assert proxy.forwarded == []
    assert [(request.method, request.status) for request in proxy.rejected] == [("GET", 403)]


@pytest.fixture(scope="module")
def tls_moto(tmp_path_factory):
    """Start a moto server that serves HTTPS with a self-signed certificate for 127.0.0.1."""
    certificate = write_self_signed_certificate(tmp_path_factory.mktemp("tls-endpoint"))
    with TlsMotoServer(certificate) as server:
        yield server


@pytest.fixture(scope="module")
def tls_runner(tls_moto, tmp_path_factory):
    return PlaybookRunner(tls_moto, tmp_path_factory.mktemp("tls-playbooks"))


def run_s3_bucket(runner: PlaybookRunner, args: dict, env: dict[str, str] | None = None) -> dict:
    """Run s3_bucket through ansible-playbook with the runner's server and return its result."""
    return module_result(runner(module_playbook("logsafe.aws.s3_bucket", args, TASK), env=env))


def tls_bucket_names(tls_moto) -> set[str]:
    """List the buckets of the HTTPS server, trusting only its own certificate."""
    s3 = boto3.client(
        "s3",
        endpoint_url=tls_moto.endpoint_url,
        region_name=tls_moto.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        verify=str(tls_moto.certificate.certificate_path),
        # An empty mapping keeps proxies from the developer's environment out of this request.
        config=Config(proxies={}),
    )
    return {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}


@pytest.fixture(scope="module")
def untrusted_run(tls_moto, tls_runner):
    """Run s3_bucket once without a CA bundle, and return the bucket, the result and the requests moto received.

    botocore's standard retry mode counts a failed TLS handshake as a
    transient connection error and retries it, so this run takes several
    seconds (16 s measured on a 2-core machine), and the tests below share it.
    """
    bucket = unique_bucket("tls-untrusted")
    mark = tls_moto.mark()
    result = run_s3_bucket(tls_runner, {"name": bucket})
    return bucket, result, tls_moto.requests_since(mark)


def test_ca_bundle_trusts_endpoint(tls_moto, tls_runner):
    """ca_bundle with the endpoint's certificate makes the HTTPS requests succeed."""
    bucket = unique_bucket("tls-ca")
    args = {"name": bucket, "ca_bundle": str(tls_moto.certificate.certificate_path)}

    result = run_s3_bucket(tls_runner, args)

    assert tls_moto.endpoint_url.startswith("https://127.0.0.1:")
    assert result["failed"] is False, result.get("msg")
    assert result["changed"] is True
    assert bucket in tls_bucket_names(tls_moto)


def test_aws_ca_bundle_environment_trusts_endpoint(tls_moto, tls_runner):
    """AWS_CA_BUNDLE works as the ca_bundle option does."""
    bucket = unique_bucket("tls-env-ca")
    env = {"AWS_CA_BUNDLE": str(tls_moto.certificate.certificate_path)}

    result = run_s3_bucket(tls_runner, {"name": bucket}, env=env)

    assert result["failed"] is False, result.get("msg")
    assert bucket in tls_bucket_names(tls_moto)


def test_validate_certs_false_accepts_endpoint(tls_moto, tls_runner):
    bucket = unique_bucket("tls-unverified")

    result = run_s3_bucket(tls_runner, {"name": bucket, "validate_certs": False})

    assert result["failed"] is False, result.get("msg")
    assert bucket in tls_bucket_names(tls_moto)


def test_untrusted_certificate_fails_naming_problem(tls_moto, untrusted_run):
    """Without a CA bundle the module fails, the message names the certificate problem, and nothing is created."""
    bucket, result, received = untrusted_run

    assert result["failed"] is True
    assert "certificate verify failed" in result["msg"]
    assert bucket in result["msg"]
    assert received == []
    assert bucket not in tls_bucket_names(tls_moto)


def test_untrusted_certificate_message_names_ca_bundle(untrusted_run):
    _bucket, result, _received = untrusted_run

    assert "ca_bundle" in result["msg"]
