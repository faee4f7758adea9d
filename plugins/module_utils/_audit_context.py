# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Expected settings of the audited buckets, the reads that all buckets share, and the base class of the check groups."""

from __future__ import annotations

import threading
from typing import Any, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._audit_checks import error_check
from ansible_collections.logsafe.aws.plugins.module_utils._audit_iam import IamReader
from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients
from ansible_collections.logsafe.aws.plugins.module_utils._bucket_info import BucketInfo, validate_expect
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AwsApiError, LogsafeError
from ansible_collections.logsafe.aws.plugins.module_utils._public_access_block import FLAGS
from ansible_collections.logsafe.aws.plugins.module_utils._whole_bucket import strip_none

# Settings of the expect option that the info reader compares; the audit checks the others itself.
INFO_COMPARED = ("versioning", "lifecycle", "access_logging")


class AuditSettings:
    """The expected state of every audited bucket, from the module options."""

    def __init__(self, params: Dict[str, Any], label: str) -> None:
        self.expect: Dict[str, Any] = validate_expect(params.get("expect") or {}, label) or {}
        self.log_sources: List[Dict[str, Any]] = strip_none(
            params.get("log_sources") or self.expect.get("log_sources") or []
        )
        self.iam_users: List[str] = list(params.get("iam_users") or [])
        self.iam_roles: List[str] = list(params.get("iam_roles") or [])
        # With an endpoint_url (an S3-compatible service or an emulator), S3 Control is not there to ask.
        self.read_account_level = not params.get("endpoint_url")
        self.info_expect = {key: self.expect.get(key) for key in INFO_COMPARED if self.expect.get(key) is not None}

    def setting(self, key: str) -> Any:
        """Return one expected setting, or None when the options leave it to the baseline."""
        return self.expect.get(key)


class AccountReads:
    """Reads that belong to the account, not to one bucket: made once per module run and shared."""

    def __init__(self, aws: AwsClients, settings: AuditSettings) -> None:
        self.aws = aws
        self.settings = settings
        self.iam = IamReader(aws)
        self._lock = threading.Lock()
        self._account: Optional[Dict[str, Any]] = None
        self._public_access_block: Optional[Dict[str, Any]] = None

    def account(self) -> Dict[str, Any]:
        """Return ``{"id", "error"}``: the account id from the account_id option or STS GetCallerIdentity."""
        with self._lock:
            if self._account is None:
                try:
                    self._account = {"id": self.aws.account_id(), "error": None}
                except AwsApiError as error:
                    self._account = {"id": None, "error": error}
            return self._account

    def public_access_block(self) -> Dict[str, Any]:
        """Return ``{"state", "error", "skipped"}`` of the account-level public access block, read once."""
        with self._lock:
            cached = self._public_access_block
        if cached is not None:
            return cached
        outcome: Dict[str, Any] = {"state": None, "error": None, "skipped": None}
        account = self.account()
        if not self.settings.read_account_level:
            outcome["skipped"] = (
                "The account-level public access block is read through S3 Control, which a custom endpoint_url "
                "does not serve"
            )
        elif account["id"] is None:
            outcome["error"] = account["error"]
        else:
            try:
                response = self.aws.call(
                    "s3control",
                    "GetPublicAccessBlock",
                    f"read the public access block of account {account['id']}",
                    AccountId=account["id"],
                )
                config = response.get("PublicAccessBlockConfiguration", {})
                outcome["state"] = {option: bool(config.get(field, False)) for option, field in FLAGS.items()}
            except AwsApiError as error:
                if error.error_code != "NoSuchPublicAccessBlockConfiguration":
                    outcome["error"] = error
        with self._lock:
            self._public_access_block = outcome
        return outcome


class CheckGroup:
    """A group of checks of one bucket, reading the results of the bucket's BucketInfo."""

    def __init__(
        self, aws: AwsClients, name: str, settings: AuditSettings, shared: AccountReads, info: BucketInfo
    ) -> None:
        self.aws = aws
        self.name = name
        self.settings = settings
        self.shared = shared
        self.info = info
        self.arn = info.ctx.arn()

    def _error(self, check_id: str, error: LogsafeError, **values: str) -> Dict[str, Any]:
        return error_check(check_id, self.name, error, **values)
