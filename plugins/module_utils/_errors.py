# -*- coding: utf-8 -*-
# Copyright: logsafe.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exception types shared by the logsafe.aws backends.

Helpers raise these; each module's ``main()`` catches them once and turns
them into ``fail_json``.
"""

from __future__ import annotations

from typing import Any, Optional


class LogsafeError(Exception):
    """Base class of every error that a module reports as a failure."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationError(LogsafeError):
    """Invalid input, found before any request was sent."""


class AwsApiError(LogsafeError):
    """An AWS request that failed, with the operation and the AWS error code."""

    def __init__(
        self,
        message: str,
        operation: str,
        error_code: Optional[str] = None,
        bucket: Optional[str] = None,
        **details: Any,
    ) -> None:
        super().__init__(message, **details)
        self.operation = operation
        self.error_code = error_code
        self.bucket = bucket


class AccessDeniedError(AwsApiError):
    """A request refused for lack of permission; ``operation`` names the IAM action's API call."""
