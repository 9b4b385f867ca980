"""A program in a pseudo-terminal, through a private tmux server, so tests
can type '?' and TAB into an interactive skysh and read the screen."""

from __future__ import annotations

import os
import subprocess
import time

from .jsonmatch import wait_until


class Tmux:
    """A private tmux server (its own socket) running one program in a pty."""

    def __init__(self, topo, argv: list[str]):
        self.name = f"skygate-{os.getpid()}-{time.monotonic_ns()}"
        self.base = ["tmux", "-L", self.name]
        subprocess.run(self.base + ["new-session", "-d", "-x", "120", "-y", "40", *argv],
                       check=True, timeout=10)
        self.pid = int(subprocess.run(self.base + ["display-message", "-p", "#{pid}"],
                                      capture_output=True, text=True, check=True,
                                      timeout=10).stdout)
        topo.add_cleanup(f"stop tmux server {self.pid}", self.stop)

    def type(self, text: str) -> None:
        """Type text literally (tmux would read "end" as the End key)."""
        subprocess.run(self.base + ["send-keys", "-l", text], check=True, timeout=10)

    def key(self, name: str) -> None:
        """Press a named key: Enter, Tab, ..."""
        subprocess.run(self.base + ["send-keys", name], check=True, timeout=10)

    def screen(self) -> str:
        return subprocess.run(self.base + ["capture-pane", "-p"], capture_output=True,
                              text=True, timeout=10).stdout

    def alive(self) -> bool:
        """The session still runs (its program has not exited)."""
        return subprocess.run(self.base + ["has-session"], capture_output=True,
                              timeout=10).returncode == 0

    def stop(self) -> None:
        if not self.alive():
            return
        # The server was started for this test only; stop it by its pid.
        os.kill(self.pid, 15)
        wait_until(lambda: not self.alive(), 10, "tmux server exits")
