"""README.md and docs/*.md against the repository: every path they name exists, every dotted name
they cite is defined, and every command in their code blocks names a real script, subcommand and
option, spelled so it runs as written (``.venv/bin/python``, never a bare ``python``)."""

from __future__ import annotations

import argparse
import ast
import re
import shlex
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# paths the documented commands create (git ignores them), so a fresh checkout does not have them
MADE_BY_COMMANDS = {"bench/results"}
# how a command may start: the checkout's own environment, or a tool that is not Python's
BARE = {"python", "python3.11", "pip", "pip3", "streamlit", "pytest"}


def _rel(doc: Path) -> str:
    return doc.relative_to(ROOT).as_posix()


@cache
def _tracked_top() -> frozenset[str]:
    """The repository's top-level entries (what a repository path starts with)."""
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        names = {line.split("/", 1)[0] for line in out.splitlines() if line}
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: what is on disk
        names = {p.name for p in ROOT.iterdir() if p.name not in {".git", ".venv"}}
    return frozenset(names | {"docs"})


def _code_spans(text: str) -> list[str]:
    """Inline code spans outside fenced blocks."""
    prose = re.sub(r"(?ms)^```.*?^```", "", text)
    return re.findall(r"`([^`\n]+)`", prose)


def _fenced(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block."""
    return re.findall(r"(?ms)^```(\w*)\n(.*?)^```", text)


def _repo_paths(token: str) -> list[str]:
    """The repository paths in a code span or command word (possibly none)."""
    out = []
    for word in re.split(r"[\s,;()\[\]|=\"']+", token):
        word = word.strip(".:`").removeprefix("./").removeprefix("$PWD/")
        word = re.sub(r"(\.\w+):+\w.*$", r"\1", word)  # file.py::test, file.py:Name
        if "/" not in word and word not in _tracked_top():
            continue
        placeholder = any(re.fullmatch(r"[A-Z_]{2,}", part) for part in word.split("/"))  # DIR, PACKAGE
        if (
            not word
            or word.startswith(("~", "$", "http", "-", "/"))
            or placeholder
            or re.search(r"[<>{}*]|\.\.\.", word)
        ):
            continue  # a home or variable path, a URL, an option, or a placeholder
        if word.split("/", 1)[0] in _tracked_top():
            out.append(word)
    return out


def _anchors(doc: Path) -> set[str]:
    """The link anchors of a Markdown file's headings, as GitHub makes them."""
    headings = re.findall(r"(?m)^#+ (.+)$", re.sub(r"(?ms)^```.*?^```", "", doc.read_text()))
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _missing(path: str) -> bool:
    made = any(path == p or path.startswith(p + "/") for p in MADE_BY_COMMANDS)
    return not made and not (ROOT / path).exists()


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_every_repository_path_named_exists(doc: Path):
    text = doc.read_text()
    missing = set()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):  # Markdown links
        if not target.startswith(("http://", "https://", "mailto:")):
            name, _, anchor = target.partition("#")
            file = (doc.parent / name).resolve() if name else doc
            if not file.exists() or (anchor and file.suffix == ".md" and anchor not in _anchors(file)):
                missing.add(target)
    for span in _code_spans(text):
        missing |= {p for p in _repo_paths(span) if _missing(p)}
    for _, body in _fenced(text):
        for line in body.splitlines():
            missing |= {p for p in _repo_paths(line.split(" #", 1)[0]) if _missing(p)}
    assert not missing, f"{_rel(doc)} names paths that do not exist: {sorted(missing)}"


def _defined(module_file: Path, name: str) -> bool:
    """Whether ``name`` is defined at the top level of a module (def, class, assignment, import)."""
    tree = ast.parse(module_file.read_text())
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name) == name for a in node.names):
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_HOMES" for t in node.targets):
            if isinstance(node.value, ast.Dict) and any(getattr(k, "value", None) == name for k in node.value.keys):
                return True  # a lazily loaded public name (PEP 562)
    return False


def _dotted_problem(dotted: str) -> str | None:
    """Why ``vae_core.a.b.name`` (or ``ui.…``/``bench.…``) does not resolve (None when it does)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:i])
        module = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if module.is_file():
            rest = parts[i:]
            if not rest or _defined(module, rest[0]) or (base.is_dir() and (base / f"{rest[0]}.py").is_file()):
                return None
            return f"{'.'.join(parts[:i])} defines no {rest[0]}"
    return "no such module"


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_every_dotted_name_cited_is_defined(doc: Path):
    problems = []
    for span in _code_spans(doc.read_text()):
        for dotted in re.findall(r"\b((?:vae_core|ui|bench)(?:\.\w+)+)", span):
            dotted = re.sub(r"\.(py|js|css|md)$", "", dotted)
            if "/" in span.split(dotted, 1)[0][-1:]:
                continue  # part of a path, checked as a path
            problem = _dotted_problem(dotted)
            if problem:
                problems.append(f"{dotted}: {problem}")
    assert not problems, f"{_rel(doc)}: {problems}"


# ----------------------------------------------------------------------------------- commands
def _commands(doc: Path) -> list[list[str]]:
    """The shell commands of the doc's bash blocks, as word lists (comments, loops, redirections,
    ``&&`` chains and environment assignments taken apart)."""
    out = []
    for lang, body in _fenced(doc.read_text()):
        if lang not in ("bash", "sh", "shell"):
            continue
        for line in body.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line)
            for part in re.split(r"&&|\|\||;|\||(?<![<>])&(?!&)", line):
                try:
                    words = shlex.split(part)
                except ValueError:
                    words = part.split()
                while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
                    words = words[1:]  # FOO=bar command
                if words and words[0] in ("for", "do", "done", "then", "fi", "if", "sudo", "nice", "-n", "10"):
                    words = [w for w in words if w not in ("do", "done")][1:] if words[0] == "for" else words[1:]
                    if words and words[0] in ("-n",):
                        words = words[2:]
                if words:
                    out.append(words)
    return out


@cache
def _cli_options() -> dict[str, set[str]]:
    from vae_core.cli.main import _parser

    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {name: set(p._option_string_actions) for name, p in sub.choices.items()}


def _options(words: list[str]) -> list[str]:
    """The ``--options`` among ``words`` (``--k=3`` and ``[--k 3 | --j]`` included)."""
    opts = []
    for word in words:
        for piece in re.split(r"[\[\]|]", word):
            if piece.startswith("--") and len(piece) > 2:
                opts.append(piece.split("=", 1)[0])
    return opts


def _command_problems(words: list[str]) -> list[str]:
    head = words[0]
    if head in BARE:
        return [f"`{' '.join(words)}` starts with a bare `{head}`: write `.venv/bin/{head}` (the README's venv)"]
    if head.startswith(".venv/bin/"):
        tool, rest = head.removeprefix(".venv/bin/"), words[1:]
        if tool == "python" and rest[:2] == ["-m", "vae_core"]:
            if len(rest) < 3 or rest[2] in ("-h", "--help"):
                return []
            sub = rest[2]
            if sub not in _cli_options():
                return [f"`python -m vae_core {sub}`: no such command"]
            return [
                f"`python -m vae_core {sub} {o}`: no such option"
                for o in _options(rest[3:])
                if o not in _cli_options()[sub]
            ]
        if tool == "python" and rest[:1] == ["-m"] and rest[1].startswith("bench."):
            script = ROOT.joinpath(*rest[1].split(".")).with_suffix(".py")
            return _script_problems(script, rest[2:])
        if tool == "python" and rest and rest[0].endswith(".py"):
            return _script_problems(ROOT / rest[0], rest[1:])
        if tool == "streamlit" and rest[:1] == ["run"]:
            from streamlit import config

            known = set(config._config_options_template)
            return [f"streamlit has no option {o}" for o in _options(rest) if o[2:] not in known]
        if tool in ("pip", "python", "ruff", "pytest", "playwright"):
            return []
        return [f"`{head}`: not a tool the README's venv installs"]
    if head == "bash" and len(words) > 1:
        return [] if (ROOT / words[1]).is_file() else [f"`bash {words[1]}`: no such script"]
    return []


def _script_problems(script: Path, args: list[str]) -> list[str]:
    if not script.is_file():
        return [f"{script.relative_to(ROOT)}: no such script"]
    source = script.read_text()
    return [f"{script.relative_to(ROOT)} has no option {o}" for o in _options(args) if f'"{o}"' not in source]


def _inline_commands(doc: Path) -> list[list[str]]:
    """Code spans in the prose that are Python commands to run (a bare ``python`` or the venv's
    tools; "one `streamlit run app.py` process" names a thing rather than a command)."""
    out = []
    for span in _code_spans(doc.read_text()):
        words = span.split()
        if len(words) > 1 and (words[0] == "python" or words[0].startswith(".venv/bin/")):
            try:
                out.append(shlex.split(span))
            except ValueError:
                out.append(words)
    return out


@pytest.mark.parametrize("doc", DOCS, ids=_rel)
def test_every_command_names_real_scripts_commands_and_options(doc: Path):
    problems = [p for words in _commands(doc) + _inline_commands(doc) for p in _command_problems(words)]
    assert not problems, f"{_rel(doc)}:\n" + "\n".join(problems)


def test_the_checks_catch_what_they_should():
    assert _repo_paths("see `vae_core/package_schema.py` and `~/.cache/x/y` or DIR/CLASS/IMAGE") == [
        "vae_core/package_schema.py"
    ]
    assert _missing("vae_core/package_schema.py") and not _missing("vae_core/package/schema.py")
    assert "installing" in _anchors(ROOT / "docs" / "development.md")
    assert _dotted_problem("vae_core.model.network.vae_loss") is None
    assert _dotted_problem("vae_core.ModelPackage") is None  # a lazily loaded public name
    assert _dotted_problem("vae_core.model.network.no_such") == "vae_core.model.network defines no no_such"
    assert _command_problems(["python", "-m", "vae_core", "info"])  # bare python
    assert _command_problems([".venv/bin/python", "-m", "vae_core", "train", "--kl-warmup", "10", "--nope"]) == [
        "`python -m vae_core train --nope`: no such option"
    ]
    assert _command_problems([".venv/bin/python", "-m", "vae_core", "rank", "--z", "0", "[--euclidean]"]) == []
    assert _command_problems([".venv/bin/streamlit", "run", "app.py", "--server.fileWatcherType", "auto"]) == []
    assert _command_problems([".venv/bin/streamlit", "run", "app.py", "--server.nope", "1"])
    assert _command_problems([".venv/bin/python", "bench/pad_bench.py", "--runs", "3"]) == []
    assert _command_problems([".venv/bin/python", "bench/no_bench.py"])


# ----------------------------------------------------------------------------------- the README
def test_the_readme_is_short_and_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert len(text) <= 12_500, f"README.md is {len(text):,} characters; move details into docs/"
    first_block = _fenced(text)[0][1].splitlines()
    assert first_block == [
        "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/streamlit run app.py",
        "bash scripts/test.sh",
    ]


def test_every_doc_is_linked_from_the_readme():
    text = (ROOT / "README.md").read_text()
    for doc in DOCS[1:]:
        assert f"]({_rel(doc)}" in text, f"README.md does not link {_rel(doc)}"
