"""docs/architecture.md can be followed to the code (issue 22): every path it names exists, and
every Swift name it gives in backticks (a type, or `Type.member`) is declared under Sources/ (or, for
the test-support targets it names, under Tests/)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
SOURCES = "\n".join(p.read_text(encoding="utf-8") for folder in ("Sources", "Tests")
                    for p in sorted((REPO / folder).rglob("*.swift")))

NAMES = re.findall(r"`([^`\n]+)`", DOC)
PATH_LIKE = re.compile(r"^[\w.+-]+(/[\w.+-]+)+/?$|^[\w.+-]+\.(swift|c|py|md|json)$")
SWIFT_NAME = re.compile(r"^([A-Z][A-Za-z0-9]*)(?:\.([a-z][A-Za-z0-9]*))?$")


def declared_type(name: str) -> bool:
    return re.search(rf"\b(class|struct|enum|protocol|actor|typealias|extension)\s+{re.escape(name)}\b", SOURCES) is not None


def declared_member(name: str) -> bool:
    return re.search(rf"\b(func|var|let|case)\s+{re.escape(name)}\b", SOURCES) is not None


def test_the_doc_names_things():
    assert len(NAMES) > 80, "the map should name the code it describes"


def test_every_path_exists():
    paths = [n for n in NAMES if PATH_LIKE.match(n) and not n.startswith(("notifications/", "$/"))]
    assert len(paths) > 20
    missing = []
    for p in paths:
        # A bare file name ("main.swift") is found wherever it is under Sources/.
        found = (REPO / p).exists() if "/" in p else any((REPO / "Sources").rglob(p))
        if not found and "/" in p:
            found = (REPO / "Sources" / "AiToEarnAdapter" / p).exists()
        if not found:
            missing.append(p)
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_every_swift_name_is_declared():
    missing = []
    checked = 0
    for n in NAMES:
        m = SWIFT_NAME.match(n)
        if not m or n.isupper() or (REPO / "Sources" / n).is_dir():  # a target's name
            continue
        checked += 1
        typ, member = m.group(1), m.group(2)
        if not declared_type(typ):
            missing.append(n)
        elif member and not declared_member(member):
            missing.append(n)
    assert checked > 50
    assert not missing, f"docs/architecture.md names Swift declarations that do not exist: {missing}"


def test_every_free_function_is_declared():
    header = (REPO / "Sources/CurlShim/include/CurlShim.h").read_text(encoding="utf-8")
    for f in ("startThread", "acurl_multi_wakeup"):
        assert f in NAMES
        assert re.search(rf"\bfunc {f}\b", SOURCES) or re.search(rf"\b{f}\(", header), f
