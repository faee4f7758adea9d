# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options, boto3 clients, retries and AWS error handling.

Every request of every logsafe.aws module goes through ``AwsClients.call``,
which counts retries and turns botocore exceptions into ``AwsApiError``.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Any, Callable, Dict, Iterable, Optional, Tuple

from ansible.module_utils.basic import env_fallback

from ansible_collections.logsafe.aws.plugins.module_utils._errors import (
    AccessDeniedError,
    AwsApiError,
    ValidationError,
)

# The modules create their clients from a botocore session, not a boto3 one,
# because boto3 adds nothing a client needs. Importing boto3 and its S3
# transfer helpers took about 0.15 s of every module run on 2 cores, a quarter
# of a no-op s3_logs_bucket run. boto3 stays a documented requirement, because
# botocore comes with it and users install it that way.
try:
    import botocore
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, SSLError
    from botocore.parsers import ResponseParserError

    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR: Optional[str] = None
except ImportError as import_error:  # pragma: no cover - reported by check_boto3()
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = str(import_error)

COLLECTION_VERSION = "0.1.0"

# The oldest releases whose S3 model has every field the modules send
# (PutBucketLifecycleConfiguration TransitionDefaultMinimumObjectSize is the newest of them).
MINIMUM_BOTO3 = "1.35.32"
MINIMUM_BOTOCORE = "1.35.32"

# botocore's standard retry mode already retries throttling, 5xx responses and
# RequestTimeout with jittered backoff. botocore counts max_attempts as retries
# after the first request (measured with botocore 1.44), so 8 means up to 9 requests.
BOTOCORE_MAX_ATTEMPTS = 8

# S3 returns OperationAborted while another change to the same bucket is in
# flight. botocore does not retry it, so the modules do, a bounded number of times.
OWN_RETRY_ATTEMPTS = 6
OWN_RETRY_BASE_DELAY = 0.5
OWN_RETRY_MAX_DELAY = 8.0

ALWAYS_RETRIED_CODES = frozenset({"OperationAborted"})
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "AllAccessDisabled"})

# IAM action checked by AWS for each API operation the modules call, so that
# an access-denied failure names the permission to grant.
IAM_ACTIONS = {
    "HeadBucket": "s3:ListBucket",
    "CreateBucket": "s3:CreateBucket",
    "DeleteBucket": "s3:DeleteBucket",
    "ListObjectsV2": "s3:ListBucket",
    "GetBucketLocation": "s3:GetBucketLocation",
    "GetBucketVersioning": "s3:GetBucketVersioning",
    "PutBucketVersioning": "s3:PutBucketVersioning",
    "GetBucketTagging": "s3:GetBucketTagging",
    "PutBucketTagging": "s3:PutBucketTagging",
    "DeleteBucketTagging": "s3:PutBucketTagging",
    "GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "s3:PutBucketPublicAccessBlock",
    "GetBucketOwnershipControls": "s3:GetBucketOwnershipControls",
    "PutBucketOwnershipControls": "s3:PutBucketOwnershipControls",
    "DeleteBucketOwnershipControls": "s3:PutBucketOwnershipControls",
    "GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "PutBucketEncryption": "s3:PutEncryptionConfiguration",
    "DeleteBucketEncryption": "s3:PutEncryptionConfiguration",
    "GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "s3:PutLifecycleConfiguration",
    "DeleteBucketLifecycle": "s3:PutLifecycleConfiguration",
    "GetBucketLogging": "s3:GetBucketLogging",
    "PutBucketLogging": "s3:PutBucketLogging",
    "GetBucketPolicy": "s3:GetBucketPolicy",
    "PutBucketPolicy": "s3:PutBucketPolicy",
    "DeleteBucketPolicy": "s3:DeleteBucketPolicy",
    "DescribeKey": "kms:DescribeKey",
    "ListAliases": "kms:ListAliases",
    "GetCallerIdentity": "sts:GetCallerIdentity",
    "AssumeRole": "sts:AssumeRole",
    "GetBucketAcl": "s3:GetBucketAcl",
    "PutBucketAcl": "s3:PutBucketAcl",
    "ListObjectVersions": "s3:ListBucketVersions",
    "DeleteObjects": "s3:DeleteObject",
    "GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "PutObjectLockConfiguration": "s3:PutBucketObjectLockConfiguration",
    "ListBuckets": "s3:ListAllMyBuckets",
    "GetKeyPolicy": "kms:GetKeyPolicy",
    "PutKeyPolicy": "kms:PutKeyPolicy",
    "GetKeyRotationStatus": "kms:GetKeyRotationStatus",
    "EnableKeyRotation": "kms:EnableKeyRotation",
    "DisableKeyRotation": "kms:DisableKeyRotation",
    "CreateKey": "kms:CreateKey",
    "CreateAlias": "kms:CreateAlias",
    "ListResourceTags": "kms:ListResourceTags",
    "TagResource": "kms:TagResource",
    "UntagResource": "kms:UntagResource",
    "UpdateKeyDescription": "kms:UpdateKeyDescription",
}

# The same operation name in another service checks another action.
SERVICE_IAM_ACTIONS = {
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
}


def connection_argument_spec() -> Dict[str, Any]:
    """Build the argument spec of the options in the ``logsafe.aws.connection`` doc fragment."""
    return dict(
        region=dict(type="str", aliases=["aws_region"], fallback=(env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])),
        endpoint_url=dict(type="str", aliases=["aws_endpoint_url"], fallback=(env_fallback, ["AWS_ENDPOINT_URL"])),
        profile=dict(type="str", aliases=["aws_profile"]),
        access_key=dict(type="str", aliases=["aws_access_key_id"], no_log=False),
        secret_key=dict(type="str", aliases=["aws_secret_access_key"], no_log=True),
        session_token=dict(type="str", aliases=["aws_session_token"], no_log=True),
        validate_certs=dict(type="bool", default=True),
        ca_bundle=dict(type="path", fallback=(env_fallback, ["AWS_CA_BUNDLE"])),
        proxies=dict(type="dict", options=dict(http=dict(type="str"), https=dict(type="str"))),
        connect_timeout=dict(type="int", default=10),
        read_timeout=dict(type="int", default=60),
        role_arn=dict(type="str"),
        role_session_name=dict(type="str", default="logsafe-aws"),
        external_id=dict(type="str", no_log=True),
    )


def check_boto3(module: Any) -> None:
    """Fail the module when botocore is missing or older than the supported minimum."""
    if not HAS_BOTO3:
        module.fail_json(
            msg=f"boto3 and botocore are required by this module but could not be imported ({BOTO3_IMPORT_ERROR}). "
            f"Install boto3>={MINIMUM_BOTO3} for the Python interpreter that runs the module "
            "(with ansible-playbook on localhost, set ansible_python_interpreter to '{{ ansible_playbook_python }}')."
        )
    if _version_tuple(botocore.__version__) < _version_tuple(MINIMUM_BOTOCORE):
        module.fail_json(
            msg=f"botocore {botocore.__version__} is too old for logsafe.aws: install boto3>={MINIMUM_BOTO3} "
            f"and botocore>={MINIMUM_BOTOCORE}."
        )


def _version_tuple(version: str) -> tuple:
    parts = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def error_code(error: Exception) -> Optional[str]:
    """Return the AWS error code of a ``ClientError``, or None for any other exception."""
    if HAS_BOTO3 and isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "")) or None
    return None


def response_header(response: Dict[str, Any], name: str) -> Optional[str]:
    """Return one HTTP header of a boto3 response (or of ``ClientError.response``)."""
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}) or {}
    return headers.get(name.lower())


def new_session(
    profile: Optional[str] = None,
    access_key: Optional[str] = None,
    secret_key: Optional[str] = None,
    session_token: Optional[str] = None,
    region: Optional[str] = None,
) -> Any:
    """Return a botocore session with botocore's usual credential chain, unless credentials are given."""
    session = botocore.session.Session(profile=profile)
    if access_key:
        session.set_credentials(access_key, secret_key, session_token)
    if region:
        session.set_config_variable("region", region)
    return session


class AwsClients:
    """One botocore session and lazily created clients shared by every concern of a module run."""

    def __init__(self, params: Dict[str, Any], sleep: Callable[[float], None] = time.sleep) -> None:
        self._params = params
        self._sleep = sleep
        self._lock = threading.Lock()
        self._clients: Dict[str, Any] = {}
        self._account_id: Optional[str] = params.get("account_id")
        self.retries = 0
        self.session, region = self._build_session()
        if not region:
            raise ValidationError(
                "No AWS region is set. Set the region option, the AWS_REGION or AWS_DEFAULT_REGION "
                "environment variable, or a region in the AWS profile."
            )
        self.region: str = region

    def _build_session(self) -> Tuple[Any, Optional[str]]:
        """Return the session and its region."""
        params = self._params
        access_key, secret_key = params.get("access_key"), params.get("secret_key")
        if bool(access_key) != bool(secret_key):
            raise ValidationError(
                "access_key and secret_key must be given together: set both, or neither to use the "
                "environment, a profile or an instance role."
            )
        try:
            session = new_session(
                profile=params.get("profile") or None,
                access_key=access_key or None,
                secret_key=secret_key or None,
                session_token=(params.get("session_token") or None) if access_key else None,
                region=params.get("region") or None,
            )
            if params.get("profile"):
                # Loads the profile, so that a missing one fails here, before any request.
                session.get_scoped_config()
            region = session.get_config_variable("region")
        except BotoCoreError as error:
            # ProfileNotFound and similar; the message names the profile, never a secret.
            raise ValidationError(f"Failed to set up the AWS session: {error}") from error
        if params.get("role_arn"):
            session = self._assume_role(session, region)
        return session, region

    def _assume_role(self, session: Any, region: Optional[str]) -> Any:
        """Return a session with the credentials of role_arn, assumed with the caller's credentials."""
        params = self._params
        request: Dict[str, Any] = {
            "RoleArn": params["role_arn"],
            "RoleSessionName": params.get("role_session_name") or "logsafe-aws",
        }
        if params.get("external_id"):
            request["ExternalId"] = params["external_id"]
        sts = session.create_client(
            "sts",
            region_name=region,
            endpoint_url=params.get("endpoint_url") or None,
            verify=self._verify(),
            config=self._config(),
        )
        try:
            response = sts.assume_role(**request)
        except ClientError as error:
            raise api_error(error, "AssumeRole", f"assume role {params['role_arn']}", None, "sts") from error
        except NoCredentialsError as error:
            raise AwsApiError(
                f"No AWS credentials were found to assume role {params['role_arn']} with. Set credentials in the "
                "environment, a profile or access_key and secret_key.",
                operation="AssumeRole",
                error_code="NoCredentials",
            ) from error
        self._count_retries(response)
        credentials = response["Credentials"]
        return new_session(
            access_key=credentials["AccessKeyId"],
            secret_key=credentials["SecretAccessKey"],
            session_token=credentials["SessionToken"],
            region=region,
        )

    @property
    def partition(self) -> str:
        """Return the AWS partition of the region (aws, aws-cn, aws-us-gov)."""
        return self.session.get_partition_for_region(self.region)

    def client(self, service: str) -> Any:
        """Return the client of one service, creating it on first use."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self.session.create_client(
                    service,
                    region_name=self.region,
                    endpoint_url=self._params.get("endpoint_url") or None,
                    verify=self._verify(),
                    config=self._config(),
                )
            return self._clients[service]

    def _verify(self) -> Any:
        """Return botocore's verify argument: False, a CA bundle path, or True."""
        if not self._params.get("validate_certs", True):
            return False
        return self._params.get("ca_bundle") or True

    def _config(self) -> Any:
        """Return the botocore client configuration: retries, timeouts, proxies and the user agent."""
        proxies = {key: value for key, value in (self._params.get("proxies") or {}).items() if value}
        return Config(
            retries={"mode": "standard", "max_attempts": BOTOCORE_MAX_ATTEMPTS},
            user_agent_extra=f"logsafe.aws/{COLLECTION_VERSION}",
            connect_timeout=self._params.get("connect_timeout") or 10,
            read_timeout=self._params.get("read_timeout") or 60,
            proxies=proxies or None,
        )

    def _count_retries(self, response: Dict[str, Any]) -> None:
        attempts = response.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0
        if attempts:
            with self._lock:
                self.retries += attempts

    def call(
        self,
        service: str,
        operation: str,
        action: str,
        bucket: Optional[str] = None,
        retry_codes: Iterable[str] = (),
        **kwargs: Any,
    ) -> Dict[str, Any]:
        """Send one request and return its response.

        ``operation`` is the API name (``PutBucketPolicy``); ``action`` describes
        the request for error messages ("put the bucket policy"). Besides
        botocore's own retries, ``OperationAborted`` and the codes in
        ``retry_codes`` are retried with jittered exponential backoff.
        """
        method = getattr(self.client(service), botocore.xform_name(operation))
        retried = ALWAYS_RETRIED_CODES | frozenset(retry_codes)
        for attempt in range(OWN_RETRY_ATTEMPTS):
            try:
                response = method(**kwargs)
            except ClientError as error:
                self._count_retries(error.response)
                code = error_code(error)
                if code in retried and attempt < OWN_RETRY_ATTEMPTS - 1:
                    with self._lock:
                        self.retries += 1
                    delay = min(OWN_RETRY_MAX_DELAY, OWN_RETRY_BASE_DELAY * 2**attempt)
                    self._sleep(random.uniform(delay / 2, delay))
                    continue
                raise api_error(error, operation, action, bucket, service) from error
            except NoCredentialsError as error:
                raise AwsApiError(
                    "No AWS credentials were found. Set access_key and secret_key, a profile, the "
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables, or run with an "
                    "instance or web-identity role.",
                    operation=operation,
                    error_code="NoCredentials",
                    bucket=bucket,
                ) from error
            except (BotoCoreError, ResponseParserError) as error:
                # ResponseParserError: a response that is not in AWS's format, such as a proxy's HTML error page.
                where = f" on bucket {bucket}" if bucket else ""
                fix = ""
                if isinstance(error, SSLError):
                    fix = (
                        " Set ca_bundle (or AWS_CA_BUNDLE) to the PEM file of the certificate authority that signs the "
                        "endpoint's certificate, such as that of a TLS-inspecting proxy."
                    )
                raise AwsApiError(
                    f"Failed to {action}{where}: {error} ({operation}).{fix}",
                    operation=operation,
                    bucket=bucket,
                ) from error
            self._count_retries(response)
            return response
        raise AssertionError("unreachable: the retry loop always returns or raises")

    def account_id(self) -> str:
        """Return the account id from the account_id option, or from one STS GetCallerIdentity call."""
        with self._lock:
            if self._account_id:
                return self._account_id
        identity = self.call("sts", "GetCallerIdentity", "read the caller's account id")
        with self._lock:
            self._account_id = identity["Account"]
            return self._account_id


def api_error(error: Exception, operation: str, action: str, bucket: Optional[str], service: str = "s3") -> AwsApiError:
    """Turn a botocore ``ClientError`` into an ``AwsApiError`` whose message names the bucket and the fix."""
    code = error_code(error) or "Unknown"
    message = ""
    if HAS_BOTO3 and isinstance(error, ClientError):
        message = error.response.get("Error", {}).get("Message", "") or str(error)
    where = f" on bucket {bucket}" if bucket else ""
    text = f"Failed to {action}{where}: {message} ({code}, {operation})"
    if code in ACCESS_DENIED_CODES:
        iam_action = SERVICE_IAM_ACTIONS.get((service, operation)) or IAM_ACTIONS.get(operation)
        if iam_action:
            text += f". Grant {iam_action} to the caller."
        return AccessDeniedError(text, operation=operation, error_code=code, bucket=bucket, iam_action=iam_action)
    return AwsApiError(text, operation=operation, error_code=code, bucket=bucket)
