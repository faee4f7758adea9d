# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plans and applies every concern of a bucket: validate all, read all, decide, then write in order."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Mapping, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._aws import AwsClients
from ansible_collections.logsafe.aws.plugins.module_utils._bucket import BucketConcern, validate_bucket_name
from ansible_collections.logsafe.aws.plugins.module_utils._concern import BucketContext, Concern
from ansible_collections.logsafe.aws.plugins.module_utils._encryption import EncryptionConcern, parse_kms_key
from ansible_collections.logsafe.aws.plugins.module_utils._errors import (
    AccessDeniedError,
    AwsApiError,
    LogsafeError,
    ValidationError,
)
from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle import LifecycleConcern
from ansible_collections.logsafe.aws.plugins.module_utils._logging import LoggingConcern
from ansible_collections.logsafe.aws.plugins.module_utils._object_lock import ObjectLockConcern, retention_days
from ansible_collections.logsafe.aws.plugins.module_utils._ownership import OwnershipControlsConcern
from ansible_collections.logsafe.aws.plugins.module_utils._policy import PolicyConcern
from ansible_collections.logsafe.aws.plugins.module_utils._public_access_block import PublicAccessBlockConcern
from ansible_collections.logsafe.aws.plugins.module_utils._tags import TagsConcern
from ansible_collections.logsafe.aws.plugins.module_utils._versioning import VersioningConcern

# The order in which concerns are written. The policy comes before ownership
# controls so that delivery grants exist before ACLs are disabled, and before
# logging so that a target accepts delivery before it is enabled.
WRITE_ORDER = (
    "bucket",
    "public_access_block",
    "policy",
    "ownership_controls",
    "encryption",
    "versioning",
    "object_lock",
    "tags",
    "lifecycle",
    "logging",
)

CONCERN_CLASSES = {
    "bucket": BucketConcern,
    "public_access_block": PublicAccessBlockConcern,
    "policy": PolicyConcern,
    "ownership_controls": OwnershipControlsConcern,
    "encryption": EncryptionConcern,
    "versioning": VersioningConcern,
    "object_lock": ObjectLockConcern,
    "tags": TagsConcern,
    "lifecycle": LifecycleConcern,
    "logging": LoggingConcern,
}

# Reads of one bucket's concerns run concurrently on the shared clients.
MAX_READ_WORKERS = 8


def strip_none(value: Any) -> Any:
    """Drop the None values that Ansible fills in for unset suboptions, at every level."""
    if isinstance(value, dict):
        return {key: strip_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [strip_none(item) for item in value]
    return value


class BucketPlan:
    """The concerns of one bucket, their current and desired states, and what was written."""

    def __init__(
        self, ctx: BucketContext, options: Mapping[str, Optional[Dict[str, Any]]], check_mode: bool = False
    ) -> None:
        self.ctx = ctx
        self.check_mode = check_mode
        self._lock = threading.Lock()
        self.concerns: Dict[str, Concern] = {key: CONCERN_CLASSES[key](ctx, options.get(key)) for key in WRITE_ORDER}
        self.current: Dict[str, Any] = {}
        self.desired: Dict[str, Any] = {}
        self.changes: Dict[str, bool] = {}
        self.written: List[str] = []

    @property
    def name(self) -> str:
        """Return the bucket name."""
        return self.ctx.name

    def managed(self) -> List[Concern]:
        """Return the managed concerns in write order."""
        return [concern for concern in self.concerns.values() if concern.managed]

    def validate(self) -> None:
        """Validate every managed concern's options; no request is sent."""
        for concern in self.managed():
            concern.validate()

    def _decide(self, concern: Concern) -> None:
        try:
            current = concern.read()
        except AwsApiError as error:
            if error.error_code != "NoSuchBucket":
                raise
            # Only plans that do not manage the bucket itself get here: they need an existing bucket.
            if not self.check_mode:
                raise ValidationError(
                    f"Bucket {self.name} does not exist. Create it first, for example with logsafe.aws.s3_bucket "
                    "or logsafe.aws.s3_logs_bucket."
                ) from error
            with self._lock:
                if not self.ctx.absent:
                    self.ctx.absent = True
                    self.ctx.warnings.append(
                        f"Bucket {self.name} does not exist; check mode predicts the result for a new bucket, "
                        "which an earlier task of the play may create."
                    )
            current = concern.empty_state()
        desired = concern.desired(current)
        self.current[concern.key] = current
        self.desired[concern.key] = desired
        self.changes[concern.key] = concern.differs(current, desired)

    def decide(self, executor: ThreadPoolExecutor) -> None:
        """Read and compare every managed concern; HeadBucket first, because it decides whether the others read."""
        if self.concerns["bucket"].managed:
            self._decide(self.concerns["bucket"])
        futures = [executor.submit(self._decide, concern) for concern in self.managed() if concern.key != "bucket"]
        for future in futures:
            future.result()

    @property
    def changed(self) -> bool:
        """Tell whether any concern needs (or got) a write."""
        return any(self.changes.values())

    def apply(self) -> None:
        """Write the concerns that differ, in write order."""
        for concern in self.managed():
            if self.changes.get(concern.key):
                try:
                    concern.write(self.current[concern.key], self.desired[concern.key])
                except LogsafeError as error:
                    error.details.setdefault("concern", concern.key)
                    error.details.setdefault("bucket", self.name)
                    raise
                self.written.append(concern.key)

    def result(self) -> Dict[str, Any]:
        """Return the bucket's part of the module result; the same shape in every mode."""
        concerns = {}
        for key, concern in self.concerns.items():
            if concern.managed and key in self.desired:
                concerns[key] = {
                    "managed": True,
                    "changed": self.changes[key],
                    "state": concern.view(self.desired[key]),
                }
            else:
                concerns[key] = {"managed": False, "changed": False, "state": None}
        return {"name": self.name, "changed": self.changed, "concerns": concerns}

    def diff(self) -> Dict[str, Dict[str, Any]]:
        """Return the before and after views of the managed concerns."""
        before, after = {}, {}
        for concern in self.managed():
            if concern.key in self.desired:
                before[concern.key] = concern.view(self.current[concern.key])
                after[concern.key] = concern.view(self.desired[concern.key])
        return {"before": before, "after": after}


def source_bucket_options(params: Dict[str, Any]) -> Dict[str, Optional[Dict[str, Any]]]:
    """Map the options of s3_logs_bucket (or the expect option of s3_logs_bucket_info) to concern options."""
    options: Dict[str, Optional[Dict[str, Any]]] = {"bucket": {}}
    allow_decrease = bool(params.get("allow_retention_decrease"))
    if params.get("versioning") is not None:
        options["versioning"] = {"enabled": params["versioning"], "allow_retention_decrease": allow_decrease}
    if params.get("tags") is not None:
        options["tags"] = {"tags": params["tags"], "purge": params.get("purge_tags", True) is not False}
    if params.get("object_ownership"):
        options["ownership_controls"] = {
            "object_ownership": params["object_ownership"],
            "migrate_acls": params.get("migrate_acls", True) is not False,
        }
    for key in ("public_access_block", "encryption", "lifecycle", "policy"):
        if params.get(key) is not None:
            options[key] = strip_none(params[key])
    if options.get("lifecycle") is not None:
        options["lifecycle"] = dict(options["lifecycle"] or {}, allow_retention_decrease=allow_decrease)
    if params.get("object_lock") is not None:
        options["object_lock"] = strip_none(params["object_lock"])
    if params.get("log_sources"):
        policy = dict(options.get("policy") or {})
        policy["log_sources"] = strip_none(params["log_sources"])
        options["policy"] = policy
    logging = params.get("access_logging")
    if logging is not None:
        options["logging"] = {
            "enabled": logging.get("enabled", True) is not False,
            "target_bucket": logging.get("target_bucket"),
            "target_prefix": logging.get("target_prefix") or "",
            "target_object_key_format": logging.get("target_object_key_format"),
        }
    return options


def target_bucket_options(params: Dict[str, Any]) -> Dict[str, Optional[Dict[str, Any]]]:
    """Build the secure settings of a managed access-log target bucket."""
    logging = params["access_logging"]
    options: Dict[str, Optional[Dict[str, Any]]] = {
        "bucket": {},
        "public_access_block": {},
        "ownership_controls": {"object_ownership": "BucketOwnerEnforced"},
        # SSE-S3 is the default encryption that AWS documents for server access log targets.
        "encryption": {"sse_algorithm": "AES256"},
        "policy": {
            "deny_insecure_transport": True,
            "access_log_sources": [{"bucket": params["name"], "prefix": logging.get("target_prefix") or ""}],
        },
    }
    if params.get("tags") is not None:
        options["tags"] = {"tags": params["tags"], "purge": params.get("purge_tags", True) is not False}
    rules = logging.get("target_lifecycle_rules")
    if rules:
        options["lifecycle"] = {
            "rules": strip_none(rules),
            "purge_rules": False,
            "allow_retention_decrease": bool(params.get("allow_retention_decrease")),
        }
    return options


def delivery_grant_options(params: Dict[str, Any]) -> Dict[str, Optional[Dict[str, Any]]]:
    """Build the options of an access-log target that this run does not manage: only its delivery statement."""
    logging = params["access_logging"]
    return {
        "policy": {"access_log_sources": [{"bucket": params["name"], "prefix": logging.get("target_prefix") or ""}]}
    }


def planned_encryption(options: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """Return the encryption a run applies, in the form the log-source check reads."""
    if options is None or options.get("state") == "absent":
        return None
    algorithm = options.get("sse_algorithm") or "aws:kms"
    key = options.get("kms_key") if algorithm != "AES256" else None
    if key and parse_kms_key(key)["form"] == "aws_managed":
        key = None
    return {"sse_algorithm": algorithm, "kms_key": key}


class WholeBucketRun:
    """One s3_logs_bucket run: the source bucket and, optionally, its access-log target."""

    def __init__(self, aws: AwsClients, params: Dict[str, Any], check_mode: bool = False) -> None:
        self.aws = aws
        self.params = params
        source_options = source_bucket_options(params)
        self.source = BucketPlan(BucketContext(params["name"], aws), source_options, check_mode=check_mode)
        policy = self.source.concerns["policy"]
        if "encryption" in source_options and isinstance(policy, PolicyConcern):
            policy.encryption_managed = True
            policy.planned_encryption = planned_encryption(source_options["encryption"])
        if isinstance(policy, PolicyConcern):
            # S3 refuses a public statement while block_public_policy is on; check it before any write.
            policy.planned_public_access_block = source_options.get("public_access_block")
        self.target: Optional[BucketPlan] = None
        logging = params.get("access_logging")
        if logging and logging.get("enabled", True) is not False:
            target = BucketContext(logging.get("target_bucket") or "", aws)
            target.name_option = "access_logging.target_bucket"
            if logging.get("manage_target"):
                self.target = BucketPlan(target, target_bucket_options(params), check_mode=check_mode)
            elif logging.get("grant_delivery", True):
                self.target = BucketPlan(target, delivery_grant_options(params), check_mode=check_mode)

    def plans(self) -> List[BucketPlan]:
        """Return the bucket plans in write order: the target first."""
        return [plan for plan in (self.target, self.source) if plan is not None]

    def validate(self) -> None:
        """Validate every option of both buckets before any request."""
        check_target_option(self.params)
        for plan in self.plans():
            plan.validate()
        self._check_object_lock()

    def _check_object_lock(self) -> None:
        lock = self.params.get("object_lock")
        if not lock:
            return
        name = self.params["name"]
        if any(source.get("type") == "s3_access_logs" for source in self.params.get("log_sources") or []):
            raise ValidationError(
                f"Bucket {name} cannot have an Object Lock default retention and receive S3 server access logs: S3 "
                "does not deliver server access logs to a bucket with a default retention. Send the access logs to "
                "another bucket, or remove object_lock."
            )
        retention = retention_days(lock)
        for rule in (self.params.get("lifecycle") or {}).get("rules") or []:
            for field, value in (
                ("expiration", (rule.get("expiration") or {}).get("days")),
                (
                    "noncurrent_version_expiration",
                    (rule.get("noncurrent_version_expiration") or {}).get("noncurrent_days"),
                ),
            ):
                if value and retention and int(value) < retention:
                    self.source.ctx.warnings.append(
                        f"Lifecycle rule '{rule.get('id')}' of bucket {name} expires objects after {value} days in "
                        f"{field}, before the Object Lock default retention of {retention} days ends: locked versions "
                        "are kept until their retention ends, so they are deleted later than the rule says."
                    )

    def decide(self) -> None:
        """Read and compare both buckets, concurrently."""
        with ThreadPoolExecutor(max_workers=MAX_READ_WORKERS) as executor:
            for plan in self.plans():
                plan.decide(executor)

    def apply(self) -> None:
        """Write what differs: the target bucket first, then the source."""
        if self.target is not None:
            try:
                self.target.apply()
            except AccessDeniedError as error:
                if error.operation != "PutBucketPolicy":
                    raise
                target_policy = self.target.concerns["policy"]
                statements = target_policy.managed_statements() if isinstance(target_policy, PolicyConcern) else []
                raise AccessDeniedError(
                    f"{error.message} Access logging of bucket {self.source.name} was not enabled, because the target "
                    f"bucket {self.target.name} would not accept the logs without this statement in its policy: "
                    f"{json.dumps(statements, sort_keys=True)}. Add it, or let the caller put the target's policy.",
                    operation=error.operation,
                    error_code=error.error_code,
                    bucket=self.target.name,
                ) from error
            target_policy = self.target.concerns["policy"]
            if (
                self.source.changes.get("logging")
                and isinstance(target_policy, PolicyConcern)
                and target_policy.managed
            ):
                # Another run sharing this target may have replaced its policy since the write above;
                # S3 delivers logs only with the statement in place, so check it right before enabling.
                target_policy.ensure_present()
        self.source.apply()

    @property
    def changed(self) -> bool:
        """Tell whether either bucket changed."""
        return any(plan.changed for plan in self.plans())

    def written(self) -> Dict[str, List[str]]:
        """Return the concerns written so far, by bucket name."""
        return {plan.name: list(plan.written) for plan in self.plans()}

    def warnings(self) -> List[str]:
        """Return the warnings of both buckets."""
        return [warning for plan in self.plans() for warning in plan.ctx.warnings]

    def result(self, diff: bool) -> Dict[str, Any]:
        """Return the module result."""
        source = self.source.result()
        result: Dict[str, Any] = {
            "changed": self.changed,
            "name": self.source.name,
            "region": self.aws.region,
            "concerns": source["concerns"],
            "access_log_bucket": self.target.result() if self.target else None,
            "retries": self.aws.retries,
        }
        if diff:
            before, after = {}, {}
            for plan in self.plans():
                plan_diff = plan.diff()
                before[plan.name] = plan_diff["before"]
                after[plan.name] = plan_diff["after"]
            result["diff"] = {"before": before, "after": after}
        return result


def run_whole_bucket(
    aws: AwsClients, params: Dict[str, Any], check_mode: bool, diff: bool, warn: Callable[[str], None]
) -> Dict[str, Any]:
    """Validate, read, decide and (unless check mode) write; raise LogsafeError with what was written on failure."""
    run = WholeBucketRun(aws, params, check_mode)
    run.validate()
    run.decide()
    for warning in run.warnings():
        warn(warning)
    if not check_mode:
        try:
            run.apply()
        except LogsafeError as error:
            error.details["written"] = run.written()
            error.details["partial_result"] = run.result(diff=False)
            raise
    return run.result(diff)


def check_target_option(params: Dict[str, Any]) -> None:
    """Reject an access_logging group that cannot work, before any request."""
    logging = params.get("access_logging")
    if not logging or logging.get("enabled", True) is False:
        return
    target = logging.get("target_bucket")
    if target == params["name"]:
        raise ValidationError(
            f"Invalid access_logging.target_bucket '{target}' for bucket {params['name']}: a bucket must not deliver "
            "its access logs to itself, because every delivery would create another log record. Use a separate bucket."
        )
    if not target:
        raise ValidationError(
            f"Missing access_logging.target_bucket for bucket {params['name']}: set the bucket that receives the access logs, "
            "or set access_logging.enabled to false."
        )


def run_bucket_plan(
    aws: AwsClients,
    name: str,
    options: Mapping[str, Optional[Dict[str, Any]]],
    check_mode: bool,
    warn: Callable[[str], None],
    name_option: str = "name",
    before_write: Optional[Callable[[BucketPlan], None]] = None,
) -> BucketPlan:
    """Run the given concerns of one bucket (the single-concern modules): validate, decide, and write unless check mode.

    ``before_write`` runs after the decision and before any write, in check mode too, so that
    a read-only precondition fails the same way in both modes.
    """
    ctx = BucketContext(name, aws)
    ctx.name_option = name_option
    plan = BucketPlan(ctx, options, check_mode=check_mode)
    if not plan.concerns["bucket"].managed:
        ctx.warnings.extend(validate_bucket_name(name, name_option))
    plan.validate()
    with ThreadPoolExecutor(max_workers=MAX_READ_WORKERS) as executor:
        plan.decide(executor)
    for warning in ctx.warnings:
        warn(warning)
    if before_write is not None:
        before_write(plan)
    if not check_mode:
        try:
            plan.apply()
        except LogsafeError as error:
            error.details["written"] = {plan.name: list(plan.written)}
            raise
    return plan


def single_concern_result(plan: BucketPlan, key: str, diff: bool) -> Dict[str, Any]:
    """Return the result of a single-concern module: the concern's state in one stable shape."""
    concern = plan.concerns[key]
    result: Dict[str, Any] = {
        "changed": plan.changed,
        "name": plan.name,
        key: concern.view(plan.desired[key]),
        "retries": plan.ctx.aws.retries,
    }
    if diff:
        result["diff"] = {"before": concern.view(plan.current[key]), "after": concern.view(plan.desired[key])}
    return result
