"""Explore's history strip: Undo and Redo buttons, the last steps as thumbnails to click back to,
and the page's Ctrl+Z / Ctrl+Shift+Z (Cmd on a Mac; Ctrl+Y redoes too).

One Streamlit v2 component (inline HTML, CSS and JavaScript, no iframe). The keys are heard on the
whole page, in the capture phase, so they work while a slider has the focus (a slider's own keys
are the arrows, Page Up/Down, Home and End); in a text box they keep their usual meaning (undo
typing). An action reaches the server as a state value ``{"do": "undo" | "redo" | "go", "step",
"n"}`` (``n`` counts the presses, so a second Undo is a new value); the callback given to
:func:`history_strip` applies it before the fragment reruns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

_JS = """
const shared = (window.__laHistory = window.__laHistory || { n: 0 });

function send(action, step) {
  if (!shared.send) return;
  shared.n += 1;
  shared.send({ do: action, step: step === undefined ? null : step, n: shared.n });
}

// Ctrl+Z / Ctrl+Shift+Z (and Cmd, and Ctrl+Y) anywhere on the page but in a text box.
function onKey(ev) {
  if (!(ev.ctrlKey || ev.metaKey) || ev.altKey) return;
  const key = (ev.key || "").toLowerCase();
  const action = key === "z" ? (ev.shiftKey ? "redo" : "undo") : key === "y" ? "redo" : null;
  if (!action) return;
  const t = ev.target;
  const text = t && (t.isContentEditable || t.tagName === "TEXTAREA" ||
    (t.tagName === "INPUT" && !["range", "radio", "checkbox", "button", "submit"].includes(t.type)));
  if (text) return;
  ev.preventDefault();
  ev.stopPropagation();
  if (action === "undo" ? shared.canUndo : shared.canRedo) send(action);
}

function button(label, title, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "la-hist-btn";
  b.textContent = label;
  b.title = title;
  b.setAttribute("aria-label", title);
  b.addEventListener("click", () => send(action));
  return b;
}

export default function ({ data, parentElement, setStateValue }) {
  shared.send = (value) => setStateValue("action", value);
  shared.canUndo = data.can_undo;
  shared.canRedo = data.can_redo;
  let root = parentElement.querySelector(".la-hist");
  if (!root) {
    root = document.createElement("div");
    root.className = "la-hist";
    root.setAttribute("role", "toolbar");
    root.setAttribute("aria-label", "History");
    root.undo = button("↶ Undo", "Undo (Ctrl+Z)", "undo");
    root.redo = button("Redo ↷", "Redo (Ctrl+Shift+Z)", "redo");
    root.strip = document.createElement("div");
    root.strip.className = "la-hist-steps";
    root.append(root.undo, root.redo, root.strip);
    parentElement.appendChild(root);
  }
  root.undo.disabled = !data.can_undo;
  root.redo.disabled = !data.can_redo;
  const steps = data.steps;
  while (root.strip.children.length > steps.length) root.strip.lastElementChild.remove();
  steps.forEach((s, i) => {
    let b = root.strip.children[i];
    if (!b) {
      b = document.createElement("button");
      b.type = "button";
      b.className = "la-hist-step";
      b.appendChild(document.createElement("img"));
      b.addEventListener("click", () => send("go", Number(b.dataset.step)));
      root.strip.appendChild(b);
    }
    const img = b.firstChild;
    if (img.getAttribute("src") !== s.src) img.src = s.src;
    img.alt = s.label;
    b.dataset.step = String(s.index);
    b.title = `Step ${s.index + 1}: ${s.label}`;
    b.setAttribute("aria-label", `Go back to step ${s.index + 1}: ${s.label}`);
    b.classList.toggle("la-here", s.current);
    b.setAttribute("aria-current", s.current ? "step" : "false");
  });
  if (!shared.listening) {
    shared.listening = true;
    window.addEventListener("keydown", onKey, true);
  }
  return () => {
    window.removeEventListener("keydown", onKey, true);
    shared.listening = false;
    shared.send = null;
  };
}
"""

_CSS = """
.la-hist { display: flex; align-items: center; gap: 0.4rem; flex-wrap: wrap; font-family: var(--st-font, sans-serif); }
.la-hist-btn {
  font: inherit; font-size: 0.85rem; padding: 0.2rem 0.6rem; cursor: pointer; border-radius: 0.4rem;
  color: var(--st-text-color, #31333f); background: var(--st-background-color, #fff);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
}
.la-hist-btn:hover:not(:disabled) {
  border-color: var(--st-primary-color, #ff4b4b); color: var(--st-primary-color, #ff4b4b);
}
.la-hist-btn:disabled { opacity: 0.4; cursor: default; }
.la-hist-btn:focus-visible, .la-hist-step:focus-visible {
  outline: 2px solid var(--st-primary-color, #ff4b4b); outline-offset: 1px;
}
.la-hist-steps { display: flex; gap: 0.25rem; flex-wrap: wrap; }
.la-hist-step {
  padding: 0; width: 2.4rem; height: 2.4rem; border: 2px solid transparent; border-radius: 0.3rem;
  background: #000; cursor: pointer;
}
.la-hist-step img { display: block; width: 100%; height: 100%; image-rendering: pixelated; border-radius: 0.15rem; }
.la-hist-step:hover { border-color: rgba(255, 75, 75, 0.5); }
.la-hist-step.la-here { border-color: var(--st-primary-color, #ff4b4b); }
"""

_COMPONENT = st.components.v2.component("latent_atelier.history", js=_JS, css=_CSS)


@dataclass(frozen=True)
class StripStep:
    """A thumbnail of the strip: the step's ``index`` in the history, its picture (``src``, a data
    URI), its ``label`` and whether it is the one shown (``current``)."""

    index: int
    src: str
    label: str
    current: bool

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "src": self.src, "label": self.label, "current": self.current}


def read_action(key: str) -> dict | None:
    """The action the strip ``key`` last sent (in its callback), or None."""
    state = st.session_state.get(key) or {}
    value = state.get("action") if hasattr(state, "get") else None
    return value if isinstance(value, dict) and value.get("do") in ("undo", "redo", "go") else None


def history_strip(
    key: str, steps: Sequence[StripStep], can_undo: bool, can_redo: bool, on_action: Callable[[], None]
) -> None:
    """Draw the strip; ``on_action`` runs (before the rerun) when a button, a thumbnail or a key
    is pressed, and reads the action with :func:`read_action`."""
    data = {"steps": [s.to_json() for s in steps], "can_undo": bool(can_undo), "can_redo": bool(can_redo)}
    _COMPONENT(key=key, data=data, on_action_change=on_action)
