# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Customer KMS keys for log delivery: the key policy statements of a key, and a key made for a logs bucket.

Both modules read, decide, then write: ``KeyPolicyStatements`` merges the
statements into the key policy, and ``LogsKey`` creates or adopts the key by
its alias and keeps its policy (through ``KeyPolicyStatements``), rotation,
description and tags. No code here deletes a key or schedules its deletion.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients
from ansible_collections.logsafe.aws.plugins.module_utils._encryption import parse_kms_key
from ansible_collections.logsafe.aws.plugins.module_utils._errors import AccessDeniedError, AwsApiError, ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._kms_key_policy import (
    MAX_KEY_POLICY_BYTES,
    key_policy_size,
    logsafe_statements,
    merge_key_policy,
    validate_key_statements,
    validate_pending_window_days,
    validate_reader_role_arns,
)
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import SSE_S3_ONLY, validate_log_sources
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import documents_equal
from ansible_collections.logsafe.aws.plugins.module_utils._tags import is_system_tag

KEY_POLICY_NAME = "default"
ALIAS_PREFIX = "alias/"
# Aliases under alias/aws/ belong to AWS managed keys, and KMS rejects new ones.
RESERVED_ALIAS_PREFIX = "alias/aws/"
_ALIAS_NAME = re.compile(r"^alias/[A-Za-z0-9/_-]{1,250}$")
# KMS can return NotFoundException for a key that it created a moment ago.
NEW_KEY_RETRY_CODES = ("NotFoundException",)
MAX_TAGS = 50

# The IAM action of each KMS operation, for access-denied messages.
KMS_IAM_ACTIONS = {
    "CreateKey": "kms:CreateKey",
    "CreateAlias": "kms:CreateAlias",
    "DescribeKey": "kms:DescribeKey",
    "GetKeyPolicy": "kms:GetKeyPolicy",
    "PutKeyPolicy": "kms:PutKeyPolicy",
    "GetKeyRotationStatus": "kms:GetKeyRotationStatus",
    "EnableKeyRotation": "kms:EnableKeyRotation",
    "DisableKeyRotation": "kms:DisableKeyRotation",
    "ListResourceTags": "kms:ListResourceTags",
    "TagResource": "kms:TagResource",
    "UntagResource": "kms:UntagResource",
    "UpdateKeyDescription": "kms:UpdateKeyDescription",
}

Warn = Callable[[str], None]


def kms_call(aws: AwsClients, operation: str, action: str, retry_codes: tuple = (), **kwargs: Any) -> Dict[str, Any]:
    """Send one KMS request; an access-denied failure names the KMS permission to grant."""
    try:
        return aws.call("kms", operation, action, retry_codes=retry_codes, **kwargs)
    except AccessDeniedError as error:
        iam_action = KMS_IAM_ACTIONS.get(operation)
        if not iam_action or "Grant " in error.message:
            raise
        raise AccessDeniedError(
            f"{error.message}. Grant {iam_action} to the caller.",
            operation=operation,
            error_code=error.error_code,
            iam_action=iam_action,
        ) from error


def normalize_alias(alias: str) -> str:
    """Return an alias name with its ``alias/`` prefix."""
    return alias if alias.startswith(ALIAS_PREFIX) else f"{ALIAS_PREFIX}{alias}"


def describe_key(aws: AwsClients, key: str) -> Optional[Dict[str, Any]]:
    """Return the metadata of a key (a key id, key ARN, alias name or alias ARN), or None when KMS does not find it."""
    try:
        response = kms_call(aws, "DescribeKey", f"describe KMS key {key}", KeyId=key)
    except AwsApiError as error:
        if error.error_code == "NotFoundException":
            return None
        raise
    return response["KeyMetadata"]


def check_customer_key(metadata: Dict[str, Any], key: str) -> None:
    """Reject a key whose policy this collection cannot or must not manage, or that S3 cannot encrypt with."""
    arn = metadata["Arn"]
    if metadata.get("KeyManager") == "AWS":
        raise ValidationError(
            f"KMS key {key} ({arn}) is an AWS managed key, whose key policy cannot be changed. Use a customer "
            "managed key."
        )
    state = metadata.get("KeyState")
    if state == "PendingDeletion":
        raise ValidationError(
            f"KMS key {key} ({arn}) is pending deletion (deletion date {metadata.get('DeletionDate')}), so nothing "
            f"encrypted with it can be read after that date. Cancel the deletion with 'aws kms cancel-key-deletion "
            f"--key-id {arn}' and enable the key with 'aws kms enable-key --key-id {arn}', or choose another alias."
        )
    if state != "Enabled":
        raise ValidationError(
            f"KMS key {key} ({arn}) is in state {state}, not Enabled, so S3 cannot encrypt or decrypt with it. "
            f"Enable it with 'aws kms enable-key --key-id {arn}', or choose another alias."
        )
    problems = []
    if metadata.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        problems.append(f"it is a {metadata.get('KeySpec')} key, and S3 supports only symmetric keys")
    if metadata.get("KeyUsage", "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
        problems.append(f"its usage is {metadata.get('KeyUsage')}, not ENCRYPT_DECRYPT")
    if problems:
        raise ValidationError(
            f"KMS key {key} ({arn}) cannot encrypt logs: {'; '.join(problems)}. Choose a symmetric encryption key."
        )


def read_key_policy(aws: AwsClients, key_arn: str) -> Dict[str, Any]:
    """Return the key policy of a key as a document."""
    text = kms_call(
        aws, "GetKeyPolicy", f"read the key policy of KMS key {key_arn}", KeyId=key_arn, PolicyName=KEY_POLICY_NAME
    )["Policy"]
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValidationError(f"The key policy of KMS key {key_arn} is not valid JSON: {error}.") from error


class KeyPolicyStatements:
    """The statements that the options manage in one key policy, merged by Sid.

    Options: ``log_sources``, ``reader_role_arns``, ``bucket`` and
    ``pending_window_days`` (the Logsafe statements, see ``logsafe_statements``),
    ``statements`` (raw statements with a Sid), ``remove_sids`` and
    ``purge_statements``. With ``manage_all`` every Logsafe statement is managed,
    so an option left unset removes its statements.
    """

    def __init__(self, aws: AwsClients, options: Dict[str, Any], label: str, manage_all: bool = False) -> None:
        self.aws = aws
        self.options = options
        self.label = label
        self.manage_all = manage_all

    def validate(self) -> None:
        """Check the options without sending a request."""
        validate_key_statements(self.options.get("statements") or [], self.label)
        validate_reader_role_arns(self.options.get("reader_role_arns") or [], self.aws.partition, self.label)
        validate_pending_window_days(self.options.get("pending_window_days"), self.label)
        sources = self.options.get("log_sources") or []
        if not sources:
            return
        bucket = self.options.get("bucket")
        if not bucket:
            raise ValidationError(
                f"Missing bucket for {self.label}: log_sources are checked against the bucket that receives the "
                "logs. Set bucket to its name."
            )
        validate_log_sources(sources, bucket)
        sse_s3_only = sorted({source["type"] for source in sources if source["type"] in SSE_S3_ONLY})
        if sse_s3_only:
            raise ValidationError(
                f"Bucket {bucket} receives {' and '.join(kind.upper() for kind in sse_s3_only)} access logs, which "
                "Elastic Load Balancing writes only to buckets encrypted with SSE-S3, so a customer key cannot be "
                "the bucket's default encryption. Send the load balancer logs to a bucket with SSE-S3 (AES256), "
                "or remove those sources."
            )

    def desired(self, current: Optional[Dict[str, Any]], account_id: str, warn: Warn) -> Dict[str, Any]:
        """Return the key policy that the options ask for, built on ``current`` (None for a new key)."""
        managed, removed = logsafe_statements(
            self.options, account_id, self.aws.region, self.aws.partition, manage_all=self.manage_all
        )
        managed.extend(self.options.get("statements") or [])
        removed.extend(self.options.get("remove_sids") or [])
        document, warnings = merge_key_policy(
            current,
            managed,
            removed,
            account_id,
            self.aws.partition,
            purge=bool(self.options.get("purge_statements")),
            own_prefix=self.manage_all,
        )
        for warning in warnings:
            warn(f"{self.label}: {warning}")
        if current is not None and not self.differs(current, document):
            # The same meaning: return the policy as stored, so that the result and the diff show no change.
            return current
        size = key_policy_size(document)
        if size > MAX_KEY_POLICY_BYTES:
            raise ValidationError(
                f"The key policy of {self.label} would be {size} bytes, over the 32 KB that KMS accepts. Remove "
                "statements or reader roles."
            )
        return document

    def differs(self, current: Optional[Dict[str, Any]], desired: Dict[str, Any]) -> bool:
        """Tell whether the key policy must be written; a comparison by meaning."""
        return not documents_equal(current, desired, self.aws.partition)

    def write(self, key_arn: str, document: Dict[str, Any]) -> None:
        """Put the key policy, with KMS's own check that the caller can still change it afterwards."""
        kms_call(
            self.aws,
            "PutKeyPolicy",
            f"put the key policy of KMS key {key_arn}",
            KeyId=key_arn,
            PolicyName=KEY_POLICY_NAME,
            Policy=json.dumps(document),
        )


def policy_options(params: Dict[str, Any]) -> Dict[str, Any]:
    """Pick the key policy options out of module parameters."""
    keys = (
        "log_sources",
        "reader_role_arns",
        "bucket",
        "pending_window_days",
        "statements",
        "remove_sids",
        "purge_statements",
    )
    return {key: params.get(key) for key in keys}


def validate_key_reference(key: str, region: str) -> None:
    """Reject a key reference that names no customer key of this region, before any request."""
    parsed = parse_kms_key(key)
    if parsed["form"] == "invalid":
        raise ValidationError(
            f"Invalid key '{key}': give a key id, a key ARN, an alias name (alias/NAME) or an alias ARN."
        )
    # DescribeKey on alias/aws/s3 would create that AWS managed key as a side effect.
    if parsed["form"] == "aws_managed" or RESERVED_ALIAS_PREFIX in key:
        raise ValidationError(
            f"Invalid key '{key}': aliases under {RESERVED_ALIAS_PREFIX} name AWS managed keys, whose key policy "
            "cannot be changed. Give a customer managed key."
        )
    if parsed["region"] and parsed["region"] != region:
        raise ValidationError(
            f"Invalid key '{key}': the key is in region {parsed['region']}, but the module runs in {region}. "
            "Set region to the key's region."
        )


def run_key_policy_statements(
    aws: AwsClients, params: Dict[str, Any], check_mode: bool, diff: bool, warn: Warn
) -> Dict[str, Any]:
    """Merge statements into the policy of an existing key; return the module result."""
    key = params["key"]
    statements = KeyPolicyStatements(aws, policy_options(params), f"KMS key {key}")
    validate_key_reference(key, aws.region)
    statements.validate()

    metadata = describe_key(aws, key)
    if metadata is None:
        raise ValidationError(
            f"KMS key {key} was not found in region {aws.region}. Give the key id, key ARN or alias of an existing "
            "key, or create one with logsafe.aws.kms_logs_key."
        )
    check_customer_key(metadata, key)
    key_arn = metadata["Arn"]
    current = read_key_policy(aws, key_arn)
    desired = statements.desired(current, metadata["AWSAccountId"], warn)
    changed = statements.differs(current, desired)
    if changed and not check_mode:
        statements.write(key_arn, desired)

    result: Dict[str, Any] = {
        "changed": changed,
        "key_id": metadata["KeyId"],
        "key_arn": key_arn,
        "key_policy": desired,
        "retries": aws.retries,
    }
    if diff:
        result["diff"] = {"before": {"key_policy": current}, "after": {"key_policy": desired}}
    return result


class LogsKey:
    """A symmetric customer key made for a logs bucket, found by its alias.

    States are None (no key has the alias) or dicts with ``key_id``,
    ``key_arn``, ``account_id``, ``alias``, ``description``,
    ``rotation_enabled``, ``tags`` and ``key_policy``. A key that is still to
    be created has ``key_id`` and ``key_arn`` None.
    """

    def __init__(self, aws: AwsClients, params: Dict[str, Any], warn: Warn) -> None:
        self.aws = aws
        self.params = params
        self.warn = warn
        self.alias = normalize_alias(params["alias"])
        self.label = f"KMS key {self.alias}"
        self.statements = KeyPolicyStatements(aws, policy_options(params), self.label, manage_all=True)

    def _wanted_tags(self) -> Optional[Dict[str, str]]:
        tags = self.params.get("tags")
        if tags is None:
            return None
        return {str(key): "" if value is None else str(value) for key, value in tags.items()}

    def validate(self) -> None:
        """Check the options without sending a request."""
        if not _ALIAS_NAME.match(self.alias):
            raise ValidationError(
                f"Invalid alias '{self.params['alias']}': an alias is alias/ followed by 1 to 250 letters, digits, "
                "slashes, underscores or hyphens, for example alias/example-logs."
            )
        if self.alias.startswith(RESERVED_ALIAS_PREFIX):
            raise ValidationError(
                f"Invalid alias '{self.alias}': aliases that start with {RESERVED_ALIAS_PREFIX} are reserved for AWS "
                "managed keys. Choose another name."
            )
        for key, value in (self._wanted_tags() or {}).items():
            if is_system_tag(key):
                raise ValidationError(
                    f"Invalid tag '{key}' for {self.label}: keys that start with 'aws:' are reserved for AWS. "
                    "Remove the tag or rename it."
                )
            if not 1 <= len(key) <= 128 or len(value) > 256:
                raise ValidationError(
                    f"Invalid tag '{key}' for {self.label}: keys must be 1 to 128 characters and values at most 256."
                )
        if len(self._wanted_tags() or {}) > MAX_TAGS:
            raise ValidationError(f"Too many tags for {self.label}: KMS allows at most {MAX_TAGS} per key.")
        self.statements.validate()

    def read(self) -> Optional[Dict[str, Any]]:
        """Return the state of the key that the alias points to, or None when no key has the alias."""
        metadata = describe_key(self.aws, self.alias)
        if metadata is None:
            return None
        check_customer_key(metadata, self.alias)
        key_arn = metadata["Arn"]
        rotation = kms_call(
            self.aws, "GetKeyRotationStatus", f"read the rotation status of KMS key {key_arn}", KeyId=key_arn
        )
        tags = kms_call(self.aws, "ListResourceTags", f"read the tags of KMS key {key_arn}", KeyId=key_arn)
        # One page is enough: ListResourceTags returns up to 50 tags by default, and a key can have at most 50.
        return {
            "key_id": metadata["KeyId"],
            "key_arn": key_arn,
            "account_id": metadata["AWSAccountId"],
            "alias": self.alias,
            "description": metadata.get("Description", ""),
            "rotation_enabled": bool(rotation.get("KeyRotationEnabled")),
            "tags": {tag["TagKey"]: tag["TagValue"] for tag in tags.get("Tags", [])},
            "key_policy": read_key_policy(self.aws, key_arn),
        }

    def _default_description(self) -> str:
        bucket = self.params.get("bucket")
        target = f"S3 bucket {bucket}" if bucket else "an S3 logs bucket"
        return f"Encrypts the logs delivered to {target}. Managed by logsafe.aws."

    def desired(self, current: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """Return the state that the options ask for; it may read the account id, and never writes."""
        account_id = current["account_id"] if current else self.aws.account_id()
        description = self.params.get("description")
        if description is None:
            description = current["description"] if current else self._default_description()
        tags = self._wanted_tags()
        current_tags = current["tags"] if current else {}
        if tags is None:
            tags = dict(current_tags)
        elif not self.params.get("purge_tags", True):
            tags = {**current_tags, **tags}
        return {
            "key_id": current["key_id"] if current else None,
            "key_arn": current["key_arn"] if current else None,
            "account_id": account_id,
            "alias": self.alias,
            "description": description,
            "rotation_enabled": bool(self.params.get("enable_rotation", True)),
            "tags": tags,
            "key_policy": self.statements.desired(current["key_policy"] if current else None, account_id, self.warn),
        }

    def changes(self, current: Optional[Dict[str, Any]], desired: Dict[str, Any]) -> List[str]:
        """List the settings that must be written: every one for a new key."""
        if current is None:
            return ["key", "alias", "key_policy", "description", "tags", "rotation_enabled"]
        changed = []
        if self.statements.differs(current["key_policy"], desired["key_policy"]):
            changed.append("key_policy")
        for field in ("description", "tags", "rotation_enabled"):
            if current[field] != desired[field]:
                changed.append(field)
        return changed

    def write(self, current: Optional[Dict[str, Any]], desired: Dict[str, Any], changes: List[str]) -> Dict[str, Any]:
        """Create the key or change what differs; return the desired state with the key's id and ARN."""
        if current is None:
            return self._create(desired)
        key_arn = desired["key_arn"]
        if "key_policy" in changes:
            self.statements.write(key_arn, desired["key_policy"])
        if "rotation_enabled" in changes:
            self._set_rotation(key_arn, desired["rotation_enabled"])
        if "description" in changes:
            kms_call(
                self.aws,
                "UpdateKeyDescription",
                f"update the description of KMS key {key_arn}",
                KeyId=key_arn,
                Description=desired["description"],
            )
        if "tags" in changes:
            self._write_tags(key_arn, current["tags"], desired["tags"])
        return desired

    def _create(self, desired: Dict[str, Any]) -> Dict[str, Any]:
        request: Dict[str, Any] = {
            "Description": desired["description"],
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "Policy": json.dumps(desired["key_policy"]),
        }
        if desired["tags"]:
            request["Tags"] = [{"TagKey": key, "TagValue": value} for key, value in sorted(desired["tags"].items())]
        metadata = kms_call(self.aws, "CreateKey", f"create the KMS key for {self.alias}", **request)["KeyMetadata"]
        created = dict(desired, key_id=metadata["KeyId"], key_arn=metadata["Arn"])
        try:
            kms_call(
                self.aws,
                "CreateAlias",
                f"create alias {self.alias} for the new KMS key {metadata['Arn']}",
                retry_codes=NEW_KEY_RETRY_CODES,
                AliasName=self.alias,
                TargetKeyId=metadata["KeyId"],
            )
            if desired["rotation_enabled"]:
                self._set_rotation(metadata["Arn"], True, retry_codes=NEW_KEY_RETRY_CODES)
        except AwsApiError as error:
            # Without its alias the next run cannot find the new key and would create another one.
            raise AwsApiError(
                f"{error.message} The key {metadata['Arn']} was created without its alias or rotation: attach the "
                f"alias with 'aws kms create-alias --alias-name {self.alias} --target-key-id {metadata['KeyId']}' "
                "and run the task again.",
                operation=error.operation,
                error_code=error.error_code,
                partial_result={"key_id": metadata["KeyId"], "key_arn": metadata["Arn"], "created": True},
                written={"key": True},
            ) from error
        return created

    def _set_rotation(self, key_arn: str, enabled: bool, retry_codes: tuple = ()) -> None:
        operation = "EnableKeyRotation" if enabled else "DisableKeyRotation"
        verb = "enable" if enabled else "disable"
        kms_call(self.aws, operation, f"{verb} rotation of KMS key {key_arn}", retry_codes=retry_codes, KeyId=key_arn)

    def _write_tags(self, key_arn: str, current: Dict[str, str], desired: Dict[str, str]) -> None:
        removed = sorted(key for key in current if key not in desired and not is_system_tag(key))
        if removed:
            kms_call(self.aws, "UntagResource", f"remove tags of KMS key {key_arn}", KeyId=key_arn, TagKeys=removed)
        added = {key: value for key, value in desired.items() if current.get(key) != value}
        if added:
            kms_call(
                self.aws,
                "TagResource",
                f"tag KMS key {key_arn}",
                KeyId=key_arn,
                Tags=[{"TagKey": key, "TagValue": value} for key, value in sorted(added.items())],
            )


def key_view(state: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """Return the part of a key state that the module returns and shows in the diff."""
    if state is None:
        return None
    fields = ("key_id", "key_arn", "alias", "description", "rotation_enabled", "tags", "key_policy")
    return {field: state[field] for field in fields}


def run_logs_key(aws: AwsClients, params: Dict[str, Any], check_mode: bool, diff: bool, warn: Warn) -> Dict[str, Any]:
    """Create or adopt the key by its alias and keep its settings; return the module result."""
    key = LogsKey(aws, params, warn)
    key.validate()
    current = key.read()
    desired = key.desired(current)
    changes = key.changes(current, desired)
    if changes and not check_mode:
        desired = key.write(current, desired, changes)

    result: Dict[str, Any] = {"changed": bool(changes), "created": current is None, "retries": aws.retries}
    result.update(key_view(desired) or {})
    if diff:
        result["diff"] = {"before": key_view(current) or {}, "after": key_view(desired)}
    return result
