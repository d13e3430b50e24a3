"""Load a folder of bank files into a `Bank`, or fail with every problem named by file, line, field.

A bank with any error is not loaded at all: half a bank would silently change what candidates
are asked and how they are rated.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from .model import Area, Bank, Concept, FollowUp, Question, Rubric
from .schema import AreaSpec, BankFileSpec, ConceptSpec, QuestionSpec

Loc = tuple[str | int, ...]
# libyaml's parser (shipped in PyYAML's wheels) is about ten times faster; same nodes, same marks.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Words so common that a phrase made only of them would match almost any answer ("IT" is "it").
_TOO_COMMON = frozenset({
    "a", "an", "the", "i", "we", "you", "it", "they", "he", "she", "me", "us", "my", "our",
    "and", "or", "but", "so", "to", "of", "in", "on", "at", "for", "with", "by", "is", "was",
    "be", "do", "did", "have", "had", "this", "that", "as", "if", "not", "no",
})


@dataclass(frozen=True)
class BankIssue:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class BankError(Exception):
    """The bank could not be loaded; `issues` lists every problem found."""

    def __init__(self, issues: list[BankIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass
class _ParsedFile:
    name: str
    root: yaml.Node
    spec: BankFileSpec

    def line_of(self, loc: Loc) -> int:
        return _line_of(self.root, loc)


def load_bank(path: str | Path) -> Bank:
    """Load every `*.yaml` file under `path` (a folder, or a single file)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.yaml") if p.is_file())
        base = path
    elif path.is_file():
        files, base = [path], path.parent
    else:
        raise BankError([BankIssue(str(path), 0, "", "no such file or folder")])
    if not files:
        raise BankError([BankIssue(str(path), 0, "", "no .yaml files in this folder")])
    sources = [(str(f.relative_to(base)), f.read_bytes()) for f in files]
    return load_sources(sources)


def load_sources(sources: Iterable[tuple[str, bytes | str]]) -> Bank:
    """Load a bank from (file name, content) pairs; names are only used in messages."""
    sources = list(sources)
    issues: list[BankIssue] = []
    parsed: list[_ParsedFile] = []
    for name, content in sources:
        result = _parse_file(name, content)
        if isinstance(result, _ParsedFile):
            parsed.append(result)
        else:
            issues.extend(result)
    bank = _assemble(parsed, issues, _version(sources))
    if issues:
        raise BankError(sorted(issues, key=lambda i: (i.file, i.line)))
    return bank


def _version(sources: list[tuple[str, bytes | str]]) -> str:
    digest = hashlib.sha256()
    for name, content in sorted(sources, key=lambda s: s[0]):
        digest.update(name.encode() + b"\0")
        digest.update(content.encode() if isinstance(content, str) else content)
    return digest.hexdigest()[:12]


def _parse_file(name: str, content: bytes | str) -> _ParsedFile | list[BankIssue]:
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            return [BankIssue(name, 1, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    try:
        loader = _Loader(content)
        try:
            root = loader.get_single_node()
            if root is None:
                return [BankIssue(name, 1, "", "the file is empty")]
            data = loader.construct_document(root)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        return [BankIssue(name, line, "", f"invalid YAML: {problem}")]
    except yaml.YAMLError as exc:
        return [BankIssue(name, 1, "", f"invalid YAML: {exc}")]
    issues = [BankIssue(name, line, "", f"duplicate key '{key}'") for key, line in _duplicate_keys(root)]
    if not isinstance(data, dict):
        return [*issues, BankIssue(name, 1, "", "the top level must be a mapping with 'areas' and/or 'questions'")]
    try:
        spec = BankFileSpec.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            issues.append(BankIssue(name, _line_of(root, loc), _field(loc), _message(err)))
        return issues
    if issues:
        return issues
    return _ParsedFile(name, root, spec)


def _message(err: dict[str, Any]) -> str:
    if err["type"] == "missing":
        return "required field is missing"
    if err["type"] == "extra_forbidden":
        return "unknown field"
    msg = err["msg"]
    return msg.removeprefix("Value error, ")


def _field(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(node: yaml.Node, loc: Loc) -> int:
    """1-based line of the deepest node along `loc` that exists in the YAML tree."""
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    child = value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _duplicate_keys(node: yaml.Node) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in n.value:
                k = str(key.value)
                if k in seen:
                    found.append((k, key.start_mark.line + 1))
                seen.add(k)
                stack.append(value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return found


def _assemble(parsed: list[_ParsedFile], issues: list[BankIssue], version: str) -> Bank:
    areas: dict[str, Area] = {}
    area_where: dict[str, str] = {}
    for pf in parsed:
        for i, spec in enumerate(pf.spec.areas):
            loc: Loc = ("areas", i, "id")
            if spec.id in areas:
                issues.append(BankIssue(pf.name, pf.line_of(loc), _field(loc),
                                        f"area '{spec.id}' is already defined in {area_where[spec.id]}"))
                continue
            dupes = _duplicate_ids(c.id for c in spec.concepts)
            for j, c in enumerate(spec.concepts):
                _common_phrases(c, pf, ("areas", i, "concepts", j), issues)
                if c.id in dupes:
                    cloc: Loc = ("areas", i, "concepts", j, "id")
                    issues.append(BankIssue(pf.name, pf.line_of(cloc), _field(cloc),
                                            f"concept id '{c.id}' is used twice in this area"))
            areas[spec.id] = _area(spec)
            area_where[spec.id] = f"{pf.name}:{pf.line_of(loc)}"

    questions: dict[str, Question] = {}
    question_where: dict[str, str] = {}
    for pf in parsed:
        for i, spec in enumerate(pf.spec.questions):
            base: Loc = ("questions", i)
            if spec.id in questions:
                loc = (*base, "id")
                issues.append(BankIssue(pf.name, pf.line_of(loc), _field(loc),
                                        f"question id '{spec.id}' is already used in {question_where[spec.id]}"))
                continue
            question = _question(spec, areas, pf, base, issues)
            if question is not None:
                questions[spec.id] = question
                question_where[spec.id] = question.source
    return Bank(areas=areas, questions=questions, version=version, files=tuple(p.name for p in parsed))


def _duplicate_ids(ids: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    dupes: set[str] = set()
    for i in ids:
        (dupes if i in seen else seen).add(i)
    return dupes


def _common_phrases(spec: ConceptSpec, pf: _ParsedFile, loc: Loc, issues: list[BankIssue]) -> None:
    for k, phrase in enumerate(spec.phrases):
        words = phrase.lower().split()
        if words and all(w.strip(".,'") in _TOO_COMMON for w in words):
            full = (*loc, "phrases", k)
            issues.append(BankIssue(pf.name, pf.line_of(full), _field(full),
                                    f"'{phrase}' is too common a phrase: it would match almost any answer"))


def _concept(spec: ConceptSpec, area: str) -> Concept:
    return Concept(id=spec.id, area=area, label=spec.label, weight=spec.weight,
                   phrases=tuple(dict.fromkeys(p.strip() for p in spec.phrases)))


def _area(spec: AreaSpec) -> Area:
    return Area(
        id=spec.id,
        title=spec.title,
        description=spec.description,
        bars=tuple(spec.bars[b] for b in range(1, 6)),
        concepts=tuple(_concept(c, spec.id) for c in spec.concepts),
    )


def _question(spec: QuestionSpec, areas: dict[str, Area], pf: _ParsedFile, base: Loc,
              issues: list[BankIssue]) -> Question | None:
    def problem(loc: Loc, message: str) -> None:
        full = (*base, *loc)
        issues.append(BankIssue(pf.name, pf.line_of(full), _field(full), message))

    before = len(issues)
    known = ", ".join(sorted(areas)) or "none defined"
    if spec.area not in areas:
        problem(("area",), f"unknown area '{spec.area}' (known: {known})")
    for j, other in enumerate(spec.also):
        if other not in areas:
            problem(("also", j), f"unknown area '{other}' (known: {known})")
        elif other == spec.area:
            problem(("also", j), "repeats the question's main area")
    if len(issues) > before:
        return None

    question_areas = (spec.area, *dict.fromkeys(a for a in spec.also if a != spec.area))
    concepts: list[Concept] = []
    if spec.rubric.area_concepts is None:
        concepts.extend(areas[spec.area].concepts)
    else:
        for j, cid in enumerate(spec.rubric.area_concepts):
            found = next((areas[a].concept(cid) for a in question_areas if areas[a].concept(cid)), None)
            if found is None:
                problem(("rubric", "area_concepts", j),
                        f"'{cid}' is not a concept of area(s) {', '.join(question_areas)}")
            elif found not in concepts:
                concepts.append(found)
    taken = {c.id for c in concepts}
    for j, c in enumerate(spec.rubric.concepts):
        _common_phrases(c, pf, (*base, "rubric", "concepts", j), issues)
        if c.id in taken:
            problem(("rubric", "concepts", j, "id"), f"concept id '{c.id}' is used twice in this rubric")
            continue
        taken.add(c.id)
        concepts.append(_concept(c, spec.area))
    if not concepts:
        problem(("rubric",), "the rubric has no concepts: list area_concepts or concepts")
    follow_ups = []
    for j, f in enumerate(spec.follow_ups):
        if f.concept not in taken:
            problem(("follow_ups", j, "concept"), f"'{f.concept}' is not a concept of this question's rubric")
        follow_ups.append(FollowUp(concept=f.concept, text=f.text))
    if len(issues) > before:
        return None

    rubric = Rubric(
        areas=question_areas,
        concepts=tuple(concepts),
        bars=tuple((a, areas[a].bars) for a in question_areas),
        kind=spec.kind,
    )
    return Question(
        id=spec.id,
        area=spec.area,
        also=question_areas[1:],
        kind=spec.kind,
        difficulty=spec.difficulty,
        text=spec.text,
        rubric=rubric,
        strong_answer=tuple(spec.rubric.strong_answer),
        follow_ups=tuple(follow_ups),
        example_answer=spec.example_answer,
        source=f"{pf.name}:{pf.line_of(base)}",
    )
