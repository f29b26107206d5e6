"""What a package's source imports, read with ast (nothing is imported to find out), for the tests
that keep the agent, the hub and what they share apart."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AGENT = REPO / "agent" / "everyst_agent"
HUB = REPO / "hub" / "everyst_hub"
COMMON = REPO / "common" / "everyst_common"


def imports(package: Path) -> dict[str, set[str]]:
    """Each of the package's source files (relative to the folder above the package's folder, the
    repository for ours) and the absolute modules it imports, at any depth: module level, inside
    functions and under TYPE_CHECKING alike."""
    found: dict[str, set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[str(path.relative_to(package.parents[1]))] = names
    return found


def importing(package: Path, module: str) -> dict[str, list[str]]:
    """The package's files that import `module` or one of its submodules, and which they import."""

    def within(name: str) -> bool:
        return name == module or name.startswith(module + ".")

    return {
        path: sorted(filter(within, names))
        for path, names in imports(package).items()
        if any(map(within, names))
    }
