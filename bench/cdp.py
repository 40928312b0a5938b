"""Chrome DevTools Protocol helpers shared by the pad's browser tests and its benchmark.

* :func:`drag`: a trusted mouse drag (``Input.dispatchMouseEvent``) at a fixed rate. Playwright's
  ``mouse.move`` loop delivers only about 35 moves per second on this machine, so it measures the
  harness rather than the page.
* :class:`SocketBytes`: counts the bytes the server sends over the page's WebSockets
  (``Network.webSocketFrameReceived``).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any


def drag(
    cdp: Any,
    start: tuple[float, float],
    end: tuple[float, float],
    seconds: float,
    hz: float = 125.0,
    during: Callable[[float], None] | None = None,
    release: bool = True,
) -> int:
    """Press at ``start``, move to ``end`` in ``seconds`` at ``hz`` moves per second, release.

    ``during(fraction)``, if given, is called after every move. Returns the number of moves sent.
    """
    (x0, y0), (x1, y1) = start, end
    mouse = {"button": "left", "buttons": 1, "clickCount": 1}
    cdp.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x0, "y": y0, "button": "none"})
    cdp.send("Input.dispatchMouseEvent", {"type": "mousePressed", "x": x0, "y": y0, **mouse})
    n = max(1, int(seconds * hz))
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        f = i / n
        cdp.send(
            "Input.dispatchMouseEvent",
            {"type": "mouseMoved", "x": x0 + f * (x1 - x0), "y": y0 + f * (y1 - y0), **mouse},
        )
        if during is not None:
            during(f)
        wait = t0 + i / hz - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
    if release:
        cdp.send("Input.dispatchMouseEvent", {"type": "mouseReleased", "x": x1, "y": y1, **mouse})
    return n


class SocketBytes:
    """Bytes received over WebSockets since the last :meth:`take` (binary frames come base64-encoded)."""

    def __init__(self, cdp: Any) -> None:
        self.total = 0
        self.frames = 0
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameReceived", self._on_frame)

    def _on_frame(self, event: dict[str, Any]) -> None:
        response = event["response"]
        payload = response.get("payloadData", "")
        self.total += len(base64.b64decode(payload)) if response.get("opcode") == 2 else len(payload.encode())
        self.frames += 1

    def take(self) -> int:
        """Bytes since the previous call."""
        got, self.total = self.total, 0
        return got
