"""Reading the code blocks of the README and the docs, and building the projects they describe.

The conventions (also in docs/development.md, *Code blocks in the docs*):

- Every fenced block names its language: ``python``, ``sh``, ``html``, ``toml``, ``yaml`` or
  ``text``
  (MyST directives such as ``{toctree}`` are left alone).
- A block whose first line names a file (``# mysite/settings.py``, ``# conftest.py``,
  ``<!-- templates/registration/login.html -->``) is that file, relative to the project root
  (where ``manage.py`` is). ``(at the end)`` (``(끝에 추가)``) after the name adds the block to the
  end of the file; otherwise the block is the whole file. One Python block may hold several
  files, each starting with such a line.
- Any other ``python`` block is a script run inside the project; any other ``html`` block a
  template, compiled and (unless it extends another) rendered; ``sh`` blocks are checked for
  form (commands, ``make`` targets, ``manage.py`` commands, ``pip install`` arguments), never run.
- ``fragment`` after the language (````` ```python fragment `````) marks a block shown for its
  shape only: it is not run. Keep them few.
- A page whose blocks add ``"django_portone_cert"`` to ``INSTALLED_APPS`` (on one line) starts
  from a bare ``django-admin startproject mysite``; every other page from the project
  docs/install.md builds.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

ROOT = Path(__file__).resolve().parent.parent
INSTALL_PAGE = Path("docs/install.md")

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
END = r"(?P<end> \((?:at the end|끝에 추가)\))?"
PY_FILE = re.compile(rf"^# (?P<path>\w[\w./-]*\.(?:py|toml)){END}(?:\s.*)?$")
HTML_FILE = re.compile(rf"^<!-- (?P<path>\w[\w./-]*\.html){END} -->$")
ADDS_THE_APP = re.compile(r'INSTALLED_APPS.*"django_portone_cert"')
LANGUAGES = {"python", "sh", "html", "toml", "yaml", "text"}
SHELL_COMMANDS = {"pip", "python", "make", "git", "cd", "django-admin", "pytest", "twine", "bash"}
SHELL_COMMANDS |= {"export", "pipx", "pre-commit"}
PYTHON_MODULES = {"pip", "pytest", "django", "build", "twine"}
# The checks a page may leave standing: its PortOne keys are not set (that is the point of
# reading them from the environment).
KEYS_NOT_SET = {f"portone_cert.E{n:03d}" for n in (2, 3, 4, 19, 20, 21)}


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    lang: str
    options: tuple[str, ...]
    text: str

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def kind(self) -> str:
        if "fragment" in self.options:
            return "fragment"
        if self.lang.startswith("{"):
            return "directive"
        if self.lang not in LANGUAGES:
            return "unknown"
        if self.lang in ("python", "toml", "html") and self.files():
            return "files"
        return {"python": "script", "html": "template", "sh": "shell"}.get(self.lang, "text")

    def files(self) -> list[tuple[str, bool, str]]:
        """The files this block is: (path, added at the end, content)."""
        lines = self.text.splitlines()
        pattern = HTML_FILE if self.lang == "html" else PY_FILE
        if not lines or not pattern.match(lines[0]):
            return []
        if self.lang == "html":
            match = pattern.match(lines[0])
            assert match
            return [(match["path"], bool(match["end"]), "\n".join(lines[1:]) + "\n")]
        parts: list[tuple[str, bool, list[str]]] = []
        for line in lines:
            match = pattern.match(line)
            if match:
                parts.append((match["path"], bool(match["end"]), [line]))
            else:
                parts[-1][2].append(line)
        return [(path, end, "\n".join(body).strip() + "\n") for path, end, body in parts]


def pages() -> list[Path]:
    docs = sorted(path.relative_to(ROOT) for path in (ROOT / "docs").rglob("*.md"))
    return [Path("README.md"), Path("README.ko.md"), *(p for p in docs if "_build" not in p.parts)]


def blocks(page: Path) -> list[Block]:
    lines = (ROOT / page).read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        indent, fence = len(match["indent"]), match["fence"]
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        body = "\n".join(line[indent:] for line in lines[index + 1 : end])
        words = match["info"].split()
        lang = words[0] if words else ""
        if lang.startswith("{"):
            words = [match["info"].strip()]
        found.append(Block(page, index + 1, lang, tuple(words[1:]), body + "\n"))
        index = end + 1
    return found


def starts_from_scratch(page_blocks: list[Block]) -> bool:
    return any(
        path.endswith("settings.py") and ADDS_THE_APP.search(content)
        for block in page_blocks
        if block.kind == "files"
        for path, _, content in block.files()
    )


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([\w.-]+):", text, flags=re.MULTILINE))


def shell_problems(block: Block) -> tuple[list[str], list[str]]:
    """(what is wrong with this ``sh`` block, the ``manage.py`` commands it names)."""
    problems: list[str] = []
    commands: list[str] = []
    targets = make_targets()
    for raw in block.text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        words = shlex.split(line)
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
            words = words[1:]  # VAR=value before the command
        if not words or Path(words[0]).name not in SHELL_COMMANDS:
            problems.append(f"unknown command: {raw!r}")
            continue
        name, args = Path(words[0]).name, words[1:]
        if name == "make":
            problems += [f"no make target {t!r}" for t in args if "=" not in t and t not in targets]
        elif name == "python" and args[:1] == ["manage.py"]:
            commands += args[1:2]
        elif name == "python" and args[:1] == ["-m"] and args[1] not in PYTHON_MODULES:
            problems.append(f"unexpected module: {raw!r}")
        elif name == "pip":
            problems += _pip_problems(args, raw)
    return problems, commands


def _pip_problems(args: list[str], raw: str) -> list[str]:
    if args[:1] != ["install"]:
        return [f"only pip install is expected: {raw!r}"]
    problems = []
    for arg in args[1:]:
        if arg.startswith("-") or arg.startswith(("/", "./", "../", "~")) or arg.endswith(".whl"):
            continue
        try:
            Requirement(arg)
        except InvalidRequirement:
            problems.append(f"not a requirement: {arg!r} in {raw!r}")
    return problems


@dataclass
class Project:
    """A page's project: the files its blocks wrote, and what is left to run inside it."""

    path: Path
    written: list[Path] = field(default_factory=list)
    scripts: list[tuple[str, str]] = field(default_factory=list)
    templates: list[tuple[str, str]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def tests(self) -> list[Path]:
        return [p for p in self.written if p.name.startswith("test_") and p.suffix == ".py"]


def apply(page_blocks: list[Block], start: Path, dest: Path) -> Project:
    """Copy the project ``start`` to ``dest`` and write into it what the blocks say."""
    shutil.copytree(start, dest)
    project = Project(dest)
    for block in page_blocks:
        kind = block.kind
        if kind == "files":
            for relative, at_end, content in block.files():
                _write(project, block, relative, at_end, content)
        elif kind == "script":
            project.scripts.append((block.where, block.text))
        elif kind == "template":
            project.templates.append((block.where, block.text))
        elif kind == "shell":
            problems, commands = shell_problems(block)
            project.problems += [f"{block.where}: {p}" for p in problems]
            project.commands += commands
        elif kind == "unknown":
            project.problems.append(f"{block.where}: unknown language {block.lang!r}")
    return project


def _write(project: Project, block: Block, relative: str, at_end: bool, content: str) -> None:
    if ".." in Path(relative).parts:
        project.problems.append(f"{block.where}: {relative!r} leaves the project")
        return
    target = project.path / relative
    if at_end and not target.exists():
        project.problems.append(f"{block.where}: adds to {relative}, which does not exist")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if at_end:
        content = target.read_text(encoding="utf-8") + "\n\n" + content
    target.write_text(content, encoding="utf-8")
    if target not in project.written:
        project.written.append(target)
