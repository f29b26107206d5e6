"""Helpers for the deployment tests: the units' privileges as setpriv arguments, and an offline
stand-in for the package index the install script's pip would use."""

from __future__ import annotations

import importlib.metadata
import shutil
import zipfile
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
AGENT_UNIT = REPO / "agent" / "everyst_agent" / "systemd" / "everyst-agent.service"
HUB_UNIT = REPO / "deploy" / "everyst-hub.service"


def unit_service_section(unit: Path) -> dict[str, list[str]]:
    """Every key of the unit's [Service] section with all its values (keys may repeat)."""
    values: dict[str, list[str]] = {}
    section = ""
    for raw in unit.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def unit_capabilities(unit: Path) -> list[str]:
    """The capabilities a unit keeps (its bounding set), lower case without CAP_, as setpriv names them."""
    service = unit_service_section(unit)
    bounding = " ".join(service.get("CapabilityBoundingSet", [])).split()
    return [c.removeprefix("CAP_").lower() for c in bounding]


def setpriv_as_unit(unit: Path, user: str) -> list[str]:
    """setpriv arguments that give a process what the unit gives its service: the user (the test's
    stand-in for `everyst`), the unit's ambient capabilities and bounding set, no new privileges."""
    service = unit_service_section(unit)
    assert service["NoNewPrivileges"] == ["yes"]
    caps = unit_capabilities(unit)
    ambient = [
        c.removeprefix("CAP_").lower() for c in " ".join(service.get("AmbientCapabilities", [])).split()
    ]
    assert ambient == caps, "the unit's ambient capabilities should be its whole bounding set"
    plus = ",".join(f"+{c}" for c in caps)
    argv = ["setpriv", "--reuid", user, "--regid", user, "--init-groups", "--no-new-privs"]
    if caps:
        argv += ["--inh-caps", plus, "--ambient-caps", plus, "--bounding-set", f"-all,{plus}"]
    else:
        argv += ["--inh-caps", "-all", "--bounding-set", "-all"]
    return argv


def _closure(requirements: list[Requirement], extra: str, seen: set[str]) -> set[str]:
    for requirement in requirements:
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = requirement.name.lower()
        if name in seen:
            continue
        seen.add(name)
        nested = importlib.metadata.requires(name) or []
        _closure([Requirement(r) for r in nested], "", seen)
    return seen


def agent_requirements(wheel: Path) -> set[str]:
    """Every distribution `pip install everyst[agent]` of this wheel pulls in, by name."""
    with zipfile.ZipFile(wheel) as archive:
        metadata_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
    requires = [
        Requirement(line.split(":", 1)[1].strip())
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:")
    ]
    return _closure(requires, "agent", set())


def offline_site(names: set[str], directory: Path) -> Path:
    """A directory holding copies of exactly the given distributions from this test run's
    environment: a venv that lists it in a .pth file has them installed, so the install script's
    pip resolves the agent's dependencies with no package index, as this sandbox has none. Copies,
    not symlinks: the agent's own user must read them, and this run's environment may sit under
    a directory only root can enter (a fresh clone in a private temporary directory)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        dist = importlib.metadata.distribution(name)
        for top in sorted({file.parts[0] for file in dist.files or []}):
            if top.endswith(".pth") or top == ".." or top.startswith("__"):
                continue
            source = Path(str(dist.locate_file(top)))
            target = directory / top
            if source.is_dir():
                shutil.copytree(
                    source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
                )
            elif source.exists() and not target.exists():
                shutil.copy2(source, target)
    return directory
