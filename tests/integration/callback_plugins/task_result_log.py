# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback plugin: one JSON line per task result, for the integration test helpers."""

from __future__ import annotations

import json
import os

from ansible.plugins.callback import CallbackBase
from ansible.vars.clean import module_response_deepcopy, strip_internal_keys

DOCUMENTATION = r"""
name: task_result_log
type: aggregate
short_description: Append every task result to a file as one JSON line
description:
  - Used by the integration tests of logsafe.aws to read the result of each task
    without parsing the screen output.
  - Each line is an object with the keys C(task), C(action), C(host), C(status)
    (ok, changed, failed, skipped or unreachable), C(ignored) and C(result), the
    registered result without the internal C(_ansible_*) keys.
requirements:
  - enabled in callbacks_enabled
options:
  path:
    description: File that the JSON lines are appended to.
    type: path
    required: true
    env:
      - name: LOGSAFE_TASK_RESULT_LOG
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_result_log"
    CALLBACK_NEEDS_ENABLED = True

    def v2_runner_on_ok(self, result):
        payload = _payload(result)
        self._write(result, "changed" if payload.get("changed") else "ok", payload)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed", _payload(result), ignored=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped", _payload(result))

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable", _payload(result))

    def _write(self, result, status, payload, ignored=False):
        task, host = _task_and_host(result)
        # ansible-core 2.19 drops these keys from the result that callbacks get,
        # because the event type reports them, but registered variables keep them.
        payload.setdefault("failed", status == "failed")
        if status in ("skipped", "unreachable"):
            payload.setdefault(status, True)
        record = {
            "task": task.get_name(),
            "action": task.action,
            "host": host.get_name(),
            "status": status,
            "ignored": bool(ignored),
            "result": strip_internal_keys(module_response_deepcopy(payload)),
        }
        line = json.dumps(record, default=str, sort_keys=True)
        with open(os.path.expanduser(self.get_option("path")), "a", encoding="utf-8") as log:
            log.write(line + "\n")


def _payload(result):
    """Return a copy of the result dict, named ``result`` since ansible-core 2.19 and ``_result`` before."""
    payload = getattr(result, "result", None)
    return dict(payload if payload is not None else result._result)


def _task_and_host(result):
    task = getattr(result, "task", None) or result._task
    host = getattr(result, "host", None) or result._host
    return task, host
