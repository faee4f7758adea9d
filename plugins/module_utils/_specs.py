# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs of the concern option groups, shared by the modules that take them."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.logsafe.aws.plugins.module_utils._encryption import SSE_ALGORITHMS
from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle import TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZES
from ansible_collections.logsafe.aws.plugins.module_utils._lifecycle_rules import (
    STORAGE_CLASSES as LIFECYCLE_STORAGE_CLASSES,
)
from ansible_collections.logsafe.aws.plugins.module_utils._log_sources import LOG_SOURCE_TYPES
from ansible_collections.logsafe.aws.plugins.module_utils._logging import KEY_FORMATS
from ansible_collections.logsafe.aws.plugins.module_utils._object_lock import OBJECT_LOCK_MODES
from ansible_collections.logsafe.aws.plugins.module_utils._ownership import OBJECT_OWNERSHIP_CHOICES
from ansible_collections.logsafe.aws.plugins.module_utils._policy_document import TLS_VERSIONS

STORAGE_CLASSES = list(LIFECYCLE_STORAGE_CLASSES)


def lifecycle_rule_options() -> Dict[str, Any]:
    """Return the suboptions of one lifecycle rule."""
    return dict(
        id=dict(type="str", required=True),
        status=dict(type="str", choices=["enabled", "disabled"], default="enabled"),
        filter=dict(
            type="dict",
            options=dict(
                prefix=dict(type="str"),
                tags=dict(type="dict"),
                object_size_greater_than=dict(type="int"),
                object_size_less_than=dict(type="int"),
            ),
        ),
        transitions=dict(
            type="list",
            elements="dict",
            options=dict(
                days=dict(type="int"),
                date=dict(type="str"),
                storage_class=dict(type="str", required=True, choices=STORAGE_CLASSES),
            ),
        ),
        expiration=dict(
            type="dict",
            options=dict(days=dict(type="int"), date=dict(type="str"), expired_object_delete_marker=dict(type="bool")),
        ),
        noncurrent_version_transitions=dict(
            type="list",
            elements="dict",
            options=dict(
                noncurrent_days=dict(type="int", required=True),
                storage_class=dict(type="str", required=True, choices=STORAGE_CLASSES),
                newer_noncurrent_versions=dict(type="int"),
            ),
        ),
        noncurrent_version_expiration=dict(
            type="dict",
            options=dict(noncurrent_days=dict(type="int", required=True), newer_noncurrent_versions=dict(type="int")),
        ),
        abort_incomplete_multipart_upload=dict(
            type="dict", options=dict(days_after_initiation=dict(type="int", required=True))
        ),
    )


def log_sources_option() -> Dict[str, Any]:
    """Return the log_sources option: AWS services that deliver logs into the bucket."""
    return dict(
        type="list",
        elements="dict",
        options=dict(
            type=dict(type="str", required=True, choices=list(LOG_SOURCE_TYPES)),
            prefix=dict(type="str"),
            source_buckets=dict(type="list", elements="str"),
            organization_id=dict(type="str"),
            trail_names=dict(type="list", elements="str"),
            legacy=dict(type="bool"),
        ),
    )


def policy_options(access_log_sources: bool = False) -> Dict[str, Any]:
    """Return the policy options; the single-concern module also takes access_log_sources."""
    options = dict(
        deny_insecure_transport=dict(type="bool"),
        deny_outdated_tls=dict(type="bool"),
        minimum_tls_version=dict(type="str", choices=list(TLS_VERSIONS), default="1.2"),
        deny_other_encryption=dict(type="bool"),
        deletion_protection=dict(type="bool"),
        break_glass_role_arns=dict(type="list", elements="str"),
        read_principals=dict(type="list", elements="str"),
        read_organization_id=dict(type="str"),
        statements=dict(type="list", elements="dict"),
        purge_statements=dict(type="bool", default=False),
    )
    if access_log_sources:
        options["log_sources"] = log_sources_option()
        options["access_log_sources"] = dict(
            type="list",
            elements="dict",
            options=dict(bucket=dict(type="str", required=True), prefix=dict(type="str", default="")),
        )
    return options


def concern_group_spec() -> Dict[str, Any]:
    """Return the options of s3_logs_bucket that describe the bucket's settings (no connection, no name)."""
    return dict(
        versioning=dict(type="bool"),
        allow_retention_decrease=dict(type="bool", default=False),
        object_lock=dict(
            type="dict",
            options=dict(
                mode=dict(type="str", required=True, choices=list(OBJECT_LOCK_MODES)),
                days=dict(type="int"),
                years=dict(type="int"),
            ),
            mutually_exclusive=[("days", "years")],
            required_one_of=[("days", "years")],
        ),
        log_sources=log_sources_option(),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        object_ownership=dict(type="str", choices=list(OBJECT_OWNERSHIP_CHOICES)),
        migrate_acls=dict(type="bool", default=True),
        public_access_block=dict(
            type="dict",
            options=dict(
                block_public_acls=dict(type="bool", default=True),
                ignore_public_acls=dict(type="bool", default=True),
                block_public_policy=dict(type="bool", default=True),
                restrict_public_buckets=dict(type="bool", default=True),
            ),
        ),
        encryption=dict(
            type="dict",
            options=dict(
                sse_algorithm=dict(type="str", choices=list(SSE_ALGORITHMS), default="aws:kms"),
                kms_key=dict(type="str", no_log=False),
                bucket_key_enabled=dict(type="bool"),
            ),
        ),
        lifecycle=dict(
            type="dict",
            options=dict(
                rules=dict(type="list", elements="dict", default=[], options=lifecycle_rule_options()),
                purge_rules=dict(type="bool", default=False),
                transition_default_minimum_object_size=dict(
                    type="str", choices=list(TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZES)
                ),
            ),
        ),
        policy=dict(
            type="dict",
            options=policy_options(),
        ),
        access_logging=dict(
            type="dict",
            options=dict(
                enabled=dict(type="bool", default=True),
                target_bucket=dict(type="str"),
                target_prefix=dict(type="str", default=""),
                target_object_key_format=dict(type="str", choices=list(KEY_FORMATS)),
                manage_target=dict(type="bool", default=False),
                grant_delivery=dict(type="bool", default=True),
                target_lifecycle_rules=dict(type="list", elements="dict", default=[], options=lifecycle_rule_options()),
            ),
        ),
    )
