"""`marketdock serve` starts the extra processes (the sandbox), the web app and the worker, then runs the
registered start-up steps (the demo's first settlement) beside them — a slow marketplace never holds the
screens back; a failing step is reported and the others still run."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from marketdock.core.management.commands import serve as serve_command


class _Exited:
    """A child process that has already exited (so the command's watch loop stops at once)."""

    returncode = 0

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0


class _Inline:
    """A thread that runs its target when started (so the test sees the steps' order)."""

    def __init__(self, target, **kwargs):
        self.target = target

    def start(self):
        self.target()


def test_startup_steps_run_beside_the_web_app_once_everything_is_started(monkeypatch, capsys):
    events: list[str] = []

    def popen(argv, *args, **kwargs):
        events.append("web" if "gunicorn" in argv else "worker" if argv[-1] == "worker" else argv[-1])
        return _Exited()

    def step(log):
        events.append("step")
        log("step ran")

    def broken(log):
        events.append("broken")
        raise RuntimeError("sandbox gone")

    monkeypatch.setattr(serve_command.subprocess, "Popen", popen)
    monkeypatch.setattr(serve_command.signal, "signal", lambda *args: None)
    monkeypatch.setattr(serve_command, "extra_processes", lambda: [("sandbox", ["python", "sandbox"])])
    monkeypatch.setattr(serve_command, "startup_steps", lambda: [broken, step])
    monkeypatch.setattr(serve_command.threading, "Thread", _Inline)
    with pytest.raises(SystemExit):  # the fake children have exited: the command stops
        call_command("serve")
    assert events == ["sandbox", "web", "worker", "broken", "step"]
    out, err = capsys.readouterr()
    assert "step ran" in out and "broken failed: sandbox gone" in err
