# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract that every bucket concern backend follows, and the bucket context they share."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, UnsupportedSettingError

# Codes that mean "this setting is not configured" rather than a failure.
NOT_CONFIGURED_CODES = frozenset(
    {
        "NoSuchBucketPolicy",
        "NoSuchLifecycleConfiguration",
        "OwnershipControlsNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchTagSet",
        "ObjectLockConfigurationNotFoundError",
    }
)

# Codes that S3 returns for a request that the endpoint does not offer (HTTP 405 and 501), such as
# the read of a setting that the region or partition lacks.
UNSUPPORTED_CODES = frozenset({"MethodNotAllowed", "NotImplemented"})

# The setting that each read returns, for messages about a setting that the region does not support.
SETTING_NAMES = {
    "GetBucketVersioning": "versioning",
    "GetBucketTagging": "bucket tags",
    "GetPublicAccessBlock": "public access block",
    "GetBucketOwnershipControls": "ownership controls",
    "GetBucketEncryption": "default encryption",
    "GetBucketLifecycleConfiguration": "lifecycle configuration",
    "GetBucketLogging": "server access logging",
    "GetBucketPolicy": "bucket policy",
    "GetObjectLockConfiguration": "Object Lock configuration",
}

# Right after its own CreateBucket, S3 may return NoSuchBucket for a short while.
NEW_BUCKET_RETRY_CODES = ("NoSuchBucket",)


class BucketContext:
    """One bucket as the backends see it: its name, the shared clients, and whether it exists."""

    def __init__(self, name: str, aws: AwsClients) -> None:
        self.name = name
        self.aws = aws
        # True when HeadBucket found no bucket: reads then return the empty state
        # without a request, in check mode and before the bucket is created.
        self.absent = False
        self.created = False
        self.warnings: List[str] = []
        # The option that named this bucket, for validation messages.
        self.name_option = "name"
        # Extra CreateBucket parameters that settings need at creation (ObjectLockEnabledForBucket).
        self.create_kwargs: Dict[str, Any] = {}

    def call(self, service: str, operation: str, action: str, **kwargs: Any) -> Dict[str, Any]:
        """Send one request about this bucket; after the module's own CreateBucket, NoSuchBucket is retried."""
        retry_codes: Iterable[str] = NEW_BUCKET_RETRY_CODES if self.created else ()
        return self.aws.call(service, operation, action, bucket=self.name, retry_codes=retry_codes, **kwargs)

    def read(self, operation: str, action: str, **kwargs: Any) -> Optional[Dict[str, Any]]:
        """Send one S3 read about this bucket; return None when AWS returns that the setting is not configured.

        Raise UnsupportedSettingError when S3 returns that the endpoint does not offer the setting.
        """
        try:
            return self.call("s3", operation, action, Bucket=self.name, **kwargs)
        except AwsApiError as error:
            if error.error_code in NOT_CONFIGURED_CODES:
                return None
            if error.error_code in UNSUPPORTED_CODES:
                raise self._unsupported_setting_error(error, action) from error
            raise

    def _unsupported_setting_error(self, error: AwsApiError, action: str) -> UnsupportedSettingError:
        response = getattr(error.__cause__, "response", None) or {}
        aws_message = response.get("Error", {}).get("Message") or error.message
        setting = SETTING_NAMES.get(error.operation, error.operation)
        region = self.aws.region
        return UnsupportedSettingError(
            f"Failed to {action} on bucket {self.name}: region {region} does not support the {setting} "
            f"({error.operation} returned {error.error_code}: {aws_message}).",
            operation=error.operation,
            error_code=error.error_code,
            bucket=self.name,
            setting=setting,
            region=region,
            aws_message=aws_message,
        )

    def arn(self, suffix: str = "") -> str:
        """Return the ARN of the bucket, or of ``suffix`` inside it (``/*``, ``/prefix*``)."""
        return f"arn:{self.aws.partition}:s3:::{self.name}{suffix}"


class Concern:
    """One bucket setting: read it, build the desired state, compare, and write only if they differ.

    Subclasses implement ``_read``, ``desired`` and ``write``; states are plain
    data (dicts, lists, strings) so that the comparison is ``==``.
    """

    key = ""
    # The S3 read that ``_read`` sends, named for warnings about denied reads.
    read_operation = ""

    def __init__(self, ctx: BucketContext, options: Optional[Dict[str, Any]]) -> None:
        self.ctx = ctx
        # None means "not managed"; the methods below run only for managed concerns.
        self._managed = options is not None
        self.options: Dict[str, Any] = options if options is not None else {}
        # Whether the task asked for this setting. A caller that reads a setting only to report it
        # sets False, so that a setting the region does not support is skipped with a warning.
        self.requested = self._managed

    @property
    def managed(self) -> bool:
        """Tell whether the module options ask for this concern at all."""
        return self._managed

    @property
    def bucket(self) -> str:
        """Return the bucket name."""
        return self.ctx.name

    def validate(self) -> None:
        """Check the options without sending a request; raise ValidationError on invalid input."""

    def empty_state(self) -> Any:
        """Return the state of a bucket that does not exist yet."""
        return None

    def read(self) -> Any:
        """Return the normalised current state, without a request when the bucket is absent.

        When the region does not support the setting, a requested concern raises
        UnsupportedSettingError with the fix. Any other concern gets a warning
        and the empty state, because the bucket cannot have the setting.
        """
        if self.ctx.absent:
            return self.empty_state()
        try:
            return self._read()
        except UnsupportedSettingError as error:
            # A read of another setting that this concern depends on fails with its own message.
            if error.operation != self.read_operation:
                raise
            reason = (
                f"region {error.region} does not support it "
                f"({error.operation} returned {error.error_code}: {error.aws_message})"
            )
            if not self.requested:
                self.ctx.warnings.append(f"Skipped the {error.setting} of bucket {self.bucket}: {reason}.")
                return self.empty_state()
            raise UnsupportedSettingError(
                f"Cannot manage the {error.setting} of bucket {self.bucket}: {reason}. Remove the options that set "
                f"the {error.setting} from the task, or use a bucket in a region that supports it.",
                operation=error.operation,
                error_code=error.error_code,
                bucket=self.bucket,
                setting=error.setting,
                region=error.region,
                aws_message=error.aws_message,
            ) from error

    def _read(self) -> Any:
        raise NotImplementedError

    def desired(self, current: Any) -> Any:
        """Return the normalised state that the options ask for."""
        raise NotImplementedError

    def differs(self, current: Any, desired: Any) -> bool:
        """Tell whether a write is needed; a pure comparison of normalised states."""
        return current != desired

    def write(self, current: Any, desired: Any) -> None:
        """Send the write that turns ``current`` into ``desired``."""
        raise NotImplementedError

    def view(self, state: Any) -> Any:
        """Return the snake_case view of a state, as the module returns it and shows it in the diff."""
        return state
