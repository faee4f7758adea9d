# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of lifecycle rules, shared by the modules that take them."""

from __future__ import annotations


class ModuleDocFragment:
    # The rule suboptions are repeated in each block below: ansible-test's yamllint
    # reads DOCUMENTATION as a plain string literal, so the blocks cannot be composed.

    # The lifecycle option group of s3_logs_bucket.
    DOCUMENTATION = r"""
options:
  lifecycle:
    description:
      - The lifecycle configuration of the bucket. Leave it out to leave the configuration as it is.
      - Rules are matched by id. Rules with other ids are kept unless O(lifecycle.purge_rules=true).
      - By default S3 does not transition objects smaller than 128 KB (the bucket setting
        C(TransitionDefaultMinimumObjectSize=all_storage_classes_128K)).
    type: dict
    suboptions:
      rules:
        description: Lifecycle rules.
        type: list
        elements: dict
        default: []
        suboptions:
          id:
            description:
              - Unique identifier of the rule, up to 255 characters. Rules are matched by id.
            type: str
            required: true
          status:
            description:
              - Whether the rule is applied.
            type: str
            choices: [enabled, disabled]
            default: enabled
          filter:
            description:
              - The objects the rule applies to. Leave it out (or give an empty prefix) for the whole bucket.
              - Several conditions are combined with a logical AND.
            type: dict
            suboptions:
              prefix:
                description: Key prefix of the objects.
                type: str
              tags:
                description: Object tags that the objects must all have.
                type: dict
              object_size_greater_than:
                description: Minimum object size in bytes (exclusive).
                type: int
              object_size_less_than:
                description: Maximum object size in bytes (exclusive).
                type: int
          transitions:
            description:
              - Transitions of current object versions to other storage classes.
              - V(STANDARD_IA) and V(ONEZONE_IA) need at least 30 days, and a V(GLACIER) or V(DEEP_ARCHIVE) transition
                must come at least 30 days after them.
              - Give C(days) or C(date) in each transition, and the same kind in every transition of a rule.
            type: list
            elements: dict
            suboptions:
              days:
                description: Days after object creation. V(0) is kept as 0.
                type: int
              date:
                description: Date at midnight UTC, as V(YYYY-MM-DD).
                type: str
              storage_class:
                description: Target storage class.
                type: str
                required: true
                choices: [STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE]
          expiration:
            description:
              - Expiration of current object versions. Give exactly one of its suboptions.
              - On a versioned bucket, expiration adds a delete marker, and C(noncurrent_version_expiration) removes
                the older versions.
            type: dict
            suboptions:
              days:
                description: Days after object creation; must be later than the last transition.
                type: int
              date:
                description: Date at midnight UTC, as V(YYYY-MM-DD).
                type: str
              expired_object_delete_marker:
                description: Remove delete markers that have no noncurrent versions left. Not with days, a date or a tag filter.
                type: bool
          noncurrent_version_transitions:
            description: Transitions of noncurrent object versions.
            type: list
            elements: dict
            suboptions:
              noncurrent_days:
                description: Days after the version became noncurrent.
                type: int
                required: true
              storage_class:
                description: Target storage class.
                type: str
                required: true
                choices: [STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE]
              newer_noncurrent_versions:
                description: Number of newer noncurrent versions to keep in the current class (1 to 100).
                type: int
          noncurrent_version_expiration:
            description: Expiration of noncurrent object versions.
            type: dict
            suboptions:
              noncurrent_days:
                description: Days after the version became noncurrent.
                type: int
                required: true
              newer_noncurrent_versions:
                description: Number of newer noncurrent versions to keep (1 to 100).
                type: int
          abort_incomplete_multipart_upload:
            description: Removal of the parts of multipart uploads that were never completed. Not with a tag filter.
            type: dict
            suboptions:
              days_after_initiation:
                description: Days after the upload started.
                type: int
                required: true
      purge_rules:
        description:
          - Remove rules whose id is not in O(lifecycle.rules). With no rules left, the configuration is deleted.
        type: bool
        default: false
      transition_default_minimum_object_size:
        description:
          - The bucket's minimum object size for transitions. If not set, the value the bucket has is sent back unchanged.
        type: str
        choices: [all_storage_classes_128K, varies_by_storage_class]
"""

    # The access_logging option group of s3_logs_bucket.
    ACCESS_LOGGING = r"""
options:
  access_logging:
    description:
      - S3 server access logging of the bucket. Leave it out to leave logging as it is.
      - No ACL grant is ever sent. With O(access_logging.manage_target=true) the target bucket gets a bucket
        policy statement that lets C(logging.s3.amazonaws.com) deliver the logs of this bucket.
    type: dict
    suboptions:
      enabled:
        description: Whether access logging is on. V(false) turns it off.
        type: bool
        default: true
      target_bucket:
        description:
          - The bucket that receives the logs; required when O(access_logging.enabled=true). It must not be
            the bucket itself, and must be in the same region and account.
          - The name is checked against the S3 bucket naming rules before any request, whether or not
            O(access_logging.manage_target) is set.
        type: str
      target_prefix:
        description: Key prefix of the log objects in the target bucket, for example V(example-logs/).
        type: str
        default: ""
      target_object_key_format:
        description:
          - Layout of the log object keys. If not set, the format the bucket has is kept.
          - V(simple) is C([prefix]YYYY-mm-DD-HH-MM-SS-UniqueString); the partitioned formats put the account,
            region, bucket and date into the key, by event time or by delivery time.
        type: str
        choices: [simple, partitioned_event_time, partitioned_delivery_time]
      manage_target:
        description:
          - Build and keep the target bucket in the same run, before logging is enabled - public access block
            on, C(BucketOwnerEnforced), SSE-S3 default encryption (the encryption AWS documents for access log
            targets), the C(LogsafeDenyInsecureTransport) statement, the delivery statement for this bucket,
            O(access_logging.target_lifecycle_rules), and the same O(tags).
        type: bool
        default: false
      grant_delivery:
        description:
          - When the target bucket is not managed (O(access_logging.manage_target=false)), add only the delivery
            statement for this bucket to the target's policy, before logging is enabled, and show it in the diff.
          - If the caller may not put the target's policy, the module fails before it enables logging, and the
            message contains the missing statement.
          - V(false) leaves the target bucket alone; logs arrive only if its policy already grants delivery.
        type: bool
        default: true
      target_lifecycle_rules:
        description:
          - Lifecycle rules of the target bucket, used when O(access_logging.manage_target=true). Rules with
            other ids on the target are kept.
        type: list
        elements: dict
        default: []
        suboptions:
          id:
            description:
              - Unique identifier of the rule, up to 255 characters. Rules are matched by id.
            type: str
            required: true
          status:
            description:
              - Whether the rule is applied.
            type: str
            choices: [enabled, disabled]
            default: enabled
          filter:
            description:
              - The objects the rule applies to. Leave it out (or give an empty prefix) for the whole bucket.
              - Several conditions are combined with a logical AND.
            type: dict
            suboptions:
              prefix:
                description: Key prefix of the objects.
                type: str
              tags:
                description: Object tags that the objects must all have.
                type: dict
              object_size_greater_than:
                description: Minimum object size in bytes (exclusive).
                type: int
              object_size_less_than:
                description: Maximum object size in bytes (exclusive).
                type: int
          transitions:
            description:
              - Transitions of current object versions to other storage classes.
              - V(STANDARD_IA) and V(ONEZONE_IA) need at least 30 days, and a V(GLACIER) or V(DEEP_ARCHIVE) transition
                must come at least 30 days after them.
              - Give C(days) or C(date) in each transition, and the same kind in every transition of a rule.
            type: list
            elements: dict
            suboptions:
              days:
                description: Days after object creation. V(0) is kept as 0.
                type: int
              date:
                description: Date at midnight UTC, as V(YYYY-MM-DD).
                type: str
              storage_class:
                description: Target storage class.
                type: str
                required: true
                choices: [STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE]
          expiration:
            description:
              - Expiration of current object versions. Give exactly one of its suboptions.
              - On a versioned bucket, expiration adds a delete marker, and C(noncurrent_version_expiration) removes
                the older versions.
            type: dict
            suboptions:
              days:
                description: Days after object creation; must be later than the last transition.
                type: int
              date:
                description: Date at midnight UTC, as V(YYYY-MM-DD).
                type: str
              expired_object_delete_marker:
                description: Remove delete markers that have no noncurrent versions left. Not with days, a date or a tag filter.
                type: bool
          noncurrent_version_transitions:
            description: Transitions of noncurrent object versions.
            type: list
            elements: dict
            suboptions:
              noncurrent_days:
                description: Days after the version became noncurrent.
                type: int
                required: true
              storage_class:
                description: Target storage class.
                type: str
                required: true
                choices: [STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE]
              newer_noncurrent_versions:
                description: Number of newer noncurrent versions to keep in the current class (1 to 100).
                type: int
          noncurrent_version_expiration:
            description: Expiration of noncurrent object versions.
            type: dict
            suboptions:
              noncurrent_days:
                description: Days after the version became noncurrent.
                type: int
                required: true
              newer_noncurrent_versions:
                description: Number of newer noncurrent versions to keep (1 to 100).
                type: int
          abort_incomplete_multipart_upload:
            description: Removal of the parts of multipart uploads that were never completed. Not with a tag filter.
            type: dict
            suboptions:
              days_after_initiation:
                description: Days after the upload started.
                type: int
                required: true
"""

    # The top-level rule options of s3_bucket_lifecycle.
    RULES = r"""
options:
  rules:
    description:
      - Lifecycle rules, matched by id. Rules with other ids are kept unless O(purge_rules=true).
      - Required with O(state=present).
    type: list
    elements: dict
    default: []
    suboptions:
      id:
        description:
          - Unique identifier of the rule, up to 255 characters. Rules are matched by id.
        type: str
        required: true
      status:
        description:
          - Whether the rule is applied.
        type: str
        choices: [enabled, disabled]
        default: enabled
      filter:
        description:
          - The objects the rule applies to. Leave it out (or give an empty prefix) for the whole bucket.
          - Several conditions are combined with a logical AND.
        type: dict
        suboptions:
          prefix:
            description: Key prefix of the objects.
            type: str
          tags:
            description: Object tags that the objects must all have.
            type: dict
          object_size_greater_than:
            description: Minimum object size in bytes (exclusive).
            type: int
          object_size_less_than:
            description: Maximum object size in bytes (exclusive).
            type: int
      transitions:
        description:
          - Transitions of current object versions to other storage classes.
          - V(STANDARD_IA) and V(ONEZONE_IA) need at least 30 days, and a V(GLACIER) or V(DEEP_ARCHIVE) transition
            must come at least 30 days after them.
          - Give C(days) or C(date) in each transition, and the same kind in every transition of a rule.
        type: list
        elements: dict
        suboptions:
          days:
            description: Days after object creation. V(0) is kept as 0.
            type: int
          date:
            description: Date at midnight UTC, as V(YYYY-MM-DD).
            type: str
          storage_class:
            description: Target storage class.
            type: str
            required: true
            choices: [STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE]
      expiration:
        description:
          - Expiration of current object versions. Give exactly one of its suboptions.
          - On a versioned bucket, expiration adds a delete marker, and C(noncurrent_version_expiration) removes
            the older versions.
        type: dict
        suboptions:
          days:
            description: Days after object creation; must be later than the last transition.
            type: int
          date:
            description: Date at midnight UTC, as V(YYYY-MM-DD).
            type: str
          expired_object_delete_marker:
            description: Remove delete markers that have no noncurrent versions left. Not with days, a date or a tag filter.
            type: bool
      noncurrent_version_transitions:
        description: Transitions of noncurrent object versions.
        type: list
        elements: dict
        suboptions:
          noncurrent_days:
            description: Days after the version became noncurrent.
            type: int
            required: true
          storage_class:
            description: Target storage class.
            type: str
            required: true
            choices: [STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE]
          newer_noncurrent_versions:
            description: Number of newer noncurrent versions to keep in the current class (1 to 100).
            type: int
      noncurrent_version_expiration:
        description: Expiration of noncurrent object versions.
        type: dict
        suboptions:
          noncurrent_days:
            description: Days after the version became noncurrent.
            type: int
            required: true
          newer_noncurrent_versions:
            description: Number of newer noncurrent versions to keep (1 to 100).
            type: int
      abort_incomplete_multipart_upload:
        description: Removal of the parts of multipart uploads that were never completed. Not with a tag filter.
        type: dict
        suboptions:
          days_after_initiation:
            description: Days after the upload started.
            type: int
            required: true
  purge_rules:
    description:
      - Remove rules whose id is not in O(rules). With no rules left, the configuration is deleted.
    type: bool
    default: false
  transition_default_minimum_object_size:
    description:
      - The bucket's minimum object size for transitions. By default S3 does not transition objects smaller than
        128 KB (V(all_storage_classes_128K)). If not set, the value the bucket has is sent back unchanged.
    type: str
    choices: [all_storage_classes_128K, varies_by_storage_class]
"""
