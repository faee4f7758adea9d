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


class UnsupportedSettingError(AwsApiError):
    """A read of a setting that S3 rejected with MethodNotAllowed or NotImplemented, because the endpoint lacks it.

    ``setting`` names the setting ("lifecycle configuration"), ``region`` is the
    region of the request and ``aws_message`` the message that S3 returned.
    """

    def __init__(
        self,
        message: str,
        operation: str,
        error_code: Optional[str],
        bucket: Optional[str],
        setting: str,
        region: Optional[str],
        aws_message: str,
        **details: Any,
    ) -> None:
        super().__init__(message, operation=operation, error_code=error_code, bucket=bucket, **details)
        self.setting = setting
        self.region = region
        self.aws_message = aws_message
