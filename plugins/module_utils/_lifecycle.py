# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lifecycle configuration: rules merged by id into what the bucket has."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ansible_collections.logsafe.aws.plugins.module_utils._concern import Concern
from ansible_collections.logsafe.aws.plugins.module_utils._errors import ValidationError
from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle_rules import (
    MAX_RULES,
    merge_rules,
    normalize_api_rule,
    retention_changes,
    rule_sets_equal,
    rule_to_api,
    rule_view,
    validate_rules,
)

TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZES = ("all_storage_classes_128K", "varies_by_storage_class")
DEFAULT_MINIMUM_OBJECT_SIZE = "all_storage_classes_128K"


def api_filter_for_write(rule: Dict[str, Any]) -> Dict[str, Any]:
    """Return a rule as sent: the whole-bucket filter is written as an empty prefix, which every S3 endpoint accepts."""
    if rule.get("Filter") == {}:
        return dict(rule, Filter={"Prefix": ""})
    return rule


class LifecycleConcern(Concern):
    """Lifecycle rules; options: ``rules``, ``purge_rules``, ``transition_default_minimum_object_size``, or ``state: absent`` with optional ``rule_ids``.

    States are None (no configuration) or ``{"rules": [canonical API rules],
    "transition_default_minimum_object_size": str or None}``.
    """

    key = "lifecycle"
    read_operation = "GetBucketLifecycleConfiguration"

    def validate(self) -> None:
        validate_rules(self.options.get("rules") or [], self.bucket)

    def _read(self) -> Optional[Dict[str, Any]]:
        response = self.ctx.read("GetBucketLifecycleConfiguration", "read the lifecycle configuration")
        if response is None:
            return None
        return {
            "rules": [normalize_api_rule(rule) for rule in response.get("Rules", [])],
            "transition_default_minimum_object_size": response.get("TransitionDefaultMinimumObjectSize"),
        }

    def desired(self, current: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        current_rules: List[Dict[str, Any]] = current["rules"] if current else []
        if self.options.get("state") == "absent":
            rule_ids = self.options.get("rule_ids")
            if not rule_ids:
                return None
            rules = [rule for rule in current_rules if rule["ID"] not in set(rule_ids)]
        else:
            wanted = [rule_to_api(rule) for rule in self.options.get("rules") or []]
            rules = merge_rules(current_rules, wanted, bool(self.options.get("purge_rules")))
        if not rules:
            return None
        if len(rules) > MAX_RULES:
            raise ValidationError(
                f"The lifecycle configuration of bucket {self.bucket} would have {len(rules)} rules: the {len(current_rules)} "
                f"it has and the new ones, over the {MAX_RULES} that S3 accepts. Remove rules, or set purge_rules to true."
            )
        size = self.options.get("transition_default_minimum_object_size")
        if size is None and current:
            size = current["transition_default_minimum_object_size"]
        if size is None:
            # A new configuration gets the S3 default, which GetBucketLifecycleConfiguration then returns.
            size = DEFAULT_MINIMUM_OBJECT_SIZE
        desired = {"rules": rules, "transition_default_minimum_object_size": size}
        if not self.options.get("allow_retention_decrease"):
            self._reject_retention_decrease(current_rules, rules)
        return desired

    def _reject_retention_decrease(self, current_rules: List[Dict[str, Any]], rules: List[Dict[str, Any]]) -> None:
        """Fail before any write when the new rules would delete objects sooner than the current ones."""
        changes = retention_changes(current_rules, rules)
        adds_expiration = any(change.adds_expiration for change in changes)
        if adds_expiration and (self.ctx.absent or not self._holds_objects()):
            # Without objects, an added expiration deletes no log that exists now.
            changes = [change for change in changes if not change.adds_expiration]
            adds_expiration = False
        if not changes:
            return
        details = "; ".join(change.message.rstrip(".") for change in changes)
        objects_note = (
            f" Bucket {self.bucket} already holds objects, so an added expiration can delete logs that exist now."
            if adds_expiration
            else ""
        )
        raise ValidationError(
            f"The lifecycle change on bucket {self.bucket} would delete logs sooner than now: {details}.{objects_note} "
            "Logs are evidence, so this needs allow_retention_decrease set to true "
            "(logs_bucket_allow_retention_decrease in the role)."
        )

    def _holds_objects(self) -> bool:
        response = self.ctx.call("s3", "ListObjectVersions", "list the object versions", Bucket=self.bucket, MaxKeys=1)
        return bool(response.get("Versions") or response.get("DeleteMarkers"))

    def differs(self, current: Optional[Dict[str, Any]], desired: Optional[Dict[str, Any]]) -> bool:
        if current is None or desired is None:
            return current != desired
        if current["transition_default_minimum_object_size"] != desired["transition_default_minimum_object_size"]:
            return True
        return not rule_sets_equal(current["rules"], desired["rules"])

    def write(self, current: Optional[Dict[str, Any]], desired: Optional[Dict[str, Any]]) -> None:
        if desired is None:
            self.ctx.call("s3", "DeleteBucketLifecycle", "delete the lifecycle configuration", Bucket=self.bucket)
            return
        kwargs: Dict[str, Any] = {
            "Bucket": self.bucket,
            "LifecycleConfiguration": {"Rules": [api_filter_for_write(rule) for rule in desired["rules"]]},
        }
        # Sent back as read, so that a change to one rule does not reset the bucket's setting.
        if desired["transition_default_minimum_object_size"]:
            kwargs["TransitionDefaultMinimumObjectSize"] = desired["transition_default_minimum_object_size"]
        self.ctx.call("s3", "PutBucketLifecycleConfiguration", "put the lifecycle configuration", **kwargs)

    def view(self, state: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        if state is None:
            return None
        return {
            "rules": [rule_view(rule) for rule in state["rules"]],
            "transition_default_minimum_object_size": state["transition_default_minimum_object_size"],
        }
