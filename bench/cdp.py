"""Chrome DevTools Protocol helpers shared by the pad's browser tests and its benchmark.

* :func:`drag`: a trusted mouse drag (``Input.dispatchMouseEvent``) at a fixed rate. Playwright's
  ``mouse.move`` loop delivers only about 35 moves per second on this machine, so it measures the
  harness rather than the page.
* :class:`PipelinedInput`: the same drag as a real mouse sends it. Playwright's ``send`` waits
  for each event's answer, and Chromium answers an input event only once the page has handled
  it, so a busy page slows the sender down (a 2-second drag at 125 Hz took 4 to 6 s, one move
  per frame). A mouse does not wait: this client talks to the page's DevTools endpoint over its
  own WebSocket and sends every move on time, reading the answers afterwards.
* :class:`SocketBytes`: counts the bytes the server sends over the page's WebSockets
  (``Network.webSocketFrameReceived``).
"""

from __future__ import annotations

import base64
import json
import time
import urllib.request
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


class PipelinedInput:
    """Trusted mouse input sent without waiting for answers, over a page's DevTools WebSocket.

    ``port`` is the browser's ``--remote-debugging-port`` (``bench.chromium.launch(pw, port)``);
    the page is found by its URL. Use as a context manager.
    """

    def __init__(self, port: int, page_url: str) -> None:
        from websockets.sync.client import connect  # a Streamlit dependency

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.loads(r.read())
        pages = [t for t in targets if t.get("type") == "page" and t.get("url", "").startswith(page_url)]
        if not pages:
            raise RuntimeError(f"no page at {page_url} among the browser's {len(targets)} targets")
        self._ws = connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
        self._id = 0

    def __enter__(self) -> PipelinedInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self._ws.close()

    def _send(self, params: dict[str, Any]) -> None:
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": "Input.dispatchMouseEvent", "params": params}))

    def _drain(self) -> None:
        """Read every answer sent so far (the last one last), so none is left unread."""
        last = 0
        while last < self._id:
            message = json.loads(self._ws.recv(timeout=30))
            last = max(last, int(message.get("id", 0)))

    def drag(self, start: tuple[float, float], end: tuple[float, float], seconds: float, hz: float = 125.0) -> float:
        """Press at ``start`` and move to ``end`` at ``hz`` moves per second, on time whatever the
        page does; the button stays down. Returns the seconds the moves took to send."""
        (x0, y0), (x1, y1) = start, end
        mouse = {"button": "left", "buttons": 1, "clickCount": 1}
        self._send({"type": "mouseMoved", "x": x0, "y": y0, "button": "none"})
        self._send({"type": "mousePressed", "x": x0, "y": y0, **mouse})
        n = max(1, int(seconds * hz))
        t0 = time.perf_counter()
        for i in range(1, n + 1):
            f = i / n
            self._send({"type": "mouseMoved", "x": x0 + f * (x1 - x0), "y": y0 + f * (y1 - y0), **mouse})
            wait = t0 + i / hz - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        sent = time.perf_counter() - t0
        self._drain()
        return sent

    def release(self, at: tuple[float, float]) -> None:
        self._send({"type": "mouseReleased", "x": at[0], "y": at[1], "button": "left", "buttons": 0, "clickCount": 1})
        self._drain()
