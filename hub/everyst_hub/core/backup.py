"""`everyst-hub backup` and `everyst-hub restore`: the whole hub in one archive.

The archive (a gzipped tar) holds a consistent copy of the database, taken while the hub runs
(SQLite's online backup API, or pg_dump's single-transaction snapshot on PostgreSQL), the data
dir's other files (the CA and server keys in pki/, the secret and JWT signing keys, the local
agent's enrollment) and the settings file (EVERYST_ENV_FILE): in the data dir it comes back in
place; from elsewhere (/etc/everyst/hub.env) into the data dir's settings-from-backup/, for the
admin to compare. Left out: SQLite's own files (the copy replaces them), collected static files,
logs, and the local agent's spool (an agent's spool is its own state, not the hub's).

Restore runs before Django is configured: loading the settings creates keys in an empty data
dir, and those must be the archive's.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

FORMAT = 1
MANIFEST = "everyst-backup.json"
SQLITE_MEMBER = "database/everyst.sqlite3"
PG_MEMBER = "database/everyst.pgdump"
DATA_PREFIX = "data/"
SETTINGS_PREFIX = "settings/"
# Where restore leaves a settings file that lived outside the data dir: it is never written back
# over /etc on its own, the admin compares it with theirs.
RESTORED_SETTINGS_DIR = "settings-from-backup"
# Never archived: the database's live files, what the hub rebuilds, and an agent's own spool.
_SKIPPED_DIRS = {"static", "bench"}
_SKIPPED_SUFFIXES = (".log", "-wal", "-shm", "-journal")


class BackupError(RuntimeError):
    """Not an EverystError: restore runs before Django is configured, and core/errors.py imports
    DRF, which reads the settings on import. Neither command is reached through an API."""


@dataclass(frozen=True)
class Database:
    engine: str  # "sqlite" or "postgresql"
    sqlite_path: Path | None = None
    url: str = ""


def database_from_url(url: str, data_dir: Path) -> Database:
    """The database a DATABASE_URL names (SQLite in the data dir when unset), as settings.py reads it."""
    import dj_database_url

    config = dj_database_url.parse(url or f"sqlite:///{data_dir / 'everyst.sqlite3'}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return Database("sqlite", sqlite_path=Path(config["NAME"]).resolve())
    if "postgresql" in config["ENGINE"]:
        return Database("postgresql", url=url)
    raise BackupError(f"Backups know SQLite and PostgreSQL; DATABASE_URL names {config['ENGINE']}.")


def _archived_files(data_dir: Path, database: Database, env_file: Path | None) -> list[Path]:
    skip = set()
    if database.sqlite_path is not None:
        skip.add(database.sqlite_path)
    files = []
    for root, dirs, names in os.walk(data_dir):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not (here == data_dir and d in _SKIPPED_DIRS))
        for name in sorted(names):
            path = here / name
            if path in skip or name.endswith(_SKIPPED_SUFFIXES) or name.endswith(".partial"):
                continue
            if here.name == "local-agent" and name.startswith("spool"):
                continue
            if path.is_file() and not path.is_symlink():
                files.append(path)
    if env_file is not None and env_file.is_file() and data_dir in env_file.resolve().parents:
        resolved = env_file.resolve()
        if resolved not in files:
            files.append(resolved)
    return files


def _outside_env_file(data_dir: Path, env_file: Path | None) -> Path | None:
    """The settings file when it lives outside the data dir (/etc/everyst/hub.env under systemd)."""
    if env_file is None or not env_file.is_file():
        return None
    resolved = env_file.resolve()
    return None if data_dir in resolved.parents else resolved


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database: the online backup API copies every page in one
    step under a read transaction, so writers (WAL mode) go on meanwhile and never see it."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # The copy stands alone: one file, no WAL beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        integrity = dst.execute("PRAGMA quick_check").fetchone()[0]
        if integrity != "ok":
            raise BackupError(f"The copy of {source} failed SQLite's quick_check: {integrity}")
    finally:
        dst.close()
        src.close()


def _pg_dump(url: str, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client).")
    result = subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
            f"--dbname={url}",
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def create_backup(
    archive: Path, data_dir: Path, database: Database, env_file: Path | None = None, hub_version: str = ""
) -> dict[str, object]:
    """Write the archive (refusing to overwrite one) and return its manifest."""
    archive = archive.resolve()
    if archive.exists():
        raise BackupError(f"{archive} exists already: choose another name, or remove it first.")
    if data_dir in archive.parents:
        raise BackupError("Write the backup outside the data dir: a later backup would include it.")
    with tempfile.TemporaryDirectory(prefix="everyst-backup-") as scratch:
        if database.engine == "sqlite":
            assert database.sqlite_path is not None
            if not database.sqlite_path.exists():
                raise BackupError(f"No database at {database.sqlite_path}: nothing to back up.")
            db_copy, member = Path(scratch) / "everyst.sqlite3", SQLITE_MEMBER
            _sqlite_copy(database.sqlite_path, db_copy)
        else:
            db_copy, member = Path(scratch) / "everyst.pgdump", PG_MEMBER
            _pg_dump(database.url, db_copy)
        files = _archived_files(data_dir, database, env_file)
        settings_file = _outside_env_file(data_dir, env_file)
        manifest: dict[str, object] = {
            "format": FORMAT,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "hub_version": hub_version,
            "database": database.engine,
            "files": [str(p.relative_to(data_dir)) for p in files],
            "settings_file": str(settings_file) if settings_file else None,
        }
        partial = archive.with_name(archive.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                body = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
                tar.addfile(info, io.BytesIO(body))
                tar.add(db_copy, arcname=member, recursive=False)
                for path in files:
                    tar.add(path, arcname=DATA_PREFIX + str(path.relative_to(data_dir)), recursive=False)
                if settings_file is not None:
                    tar.add(settings_file, arcname=SETTINGS_PREFIX + settings_file.name, recursive=False)
                raw.flush()
                os.fsync(raw.fileno())
            partial.replace(archive)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


def _safe_member(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"The archive names a path outside the data dir: {name!r}.")
    return path


def _is_empty(data_dir: Path) -> bool:
    return not data_dir.exists() or not any(data_dir.iterdir())


def _pg_has_tables(url: str) -> bool:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    return bool(row and row[0])


def restore_backup(
    archive: Path, data_dir: Path, database: Database, force: bool = False
) -> dict[str, object]:
    """Bring an archive back into an empty data dir (and an empty PostgreSQL database); with
    `force`, over existing ones: the archive's files and database replace theirs."""
    if not archive.is_file():
        raise BackupError(f"No backup archive at {archive}.")
    if not force and not _is_empty(data_dir):
        raise BackupError(
            f"The data dir {data_dir} is not empty: restore into an empty one, or pass --force to "
            "replace its database and the files the backup holds (stop the hub first)."
        )
    with tarfile.open(archive, mode="r:gz") as tar:
        try:
            manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
        except (KeyError, AttributeError, json.JSONDecodeError) as exc:
            raise BackupError(f"{archive} is not an Everyst backup (no readable {MANIFEST}).") from exc
        if manifest.get("format") != FORMAT:
            raise BackupError(f"This hub restores backup format {FORMAT}, not {manifest.get('format')!r}.")
        if manifest.get("database") != database.engine:
            raise BackupError(
                f"The backup holds a {manifest.get('database')} database but DATABASE_URL names "
                f"{database.engine}: set DATABASE_URL to match it."
            )
        if database.engine == "postgresql" and not force and _pg_has_tables(database.url):
            raise BackupError(
                "The PostgreSQL database is not empty: restore into an empty one, or pass --force."
            )
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(data_dir, 0o700)
        with tempfile.TemporaryDirectory(prefix="everyst-restore-") as scratch:
            for member in tar.getmembers():
                path = _safe_member(member.name)
                if member.name == MANIFEST:
                    continue
                if not member.isfile():
                    raise BackupError(f"The archive holds something other than a file: {member.name!r}.")
                source = tar.extractfile(member)
                assert source is not None
                if member.name in (SQLITE_MEMBER, PG_MEMBER):
                    target = Path(scratch) / path.name
                elif member.name.startswith(DATA_PREFIX):
                    target = data_dir.joinpath(*path.parts[1:])
                elif member.name.startswith(SETTINGS_PREFIX) and len(path.parts) == 2:
                    target = data_dir / RESTORED_SETTINGS_DIR / path.name
                else:
                    raise BackupError(f"Unexpected member in the archive: {member.name!r}.")
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                with source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
                os.chmod(target, 0o600)
            if database.engine == "sqlite":
                assert database.sqlite_path is not None
                for suffix in ("-wal", "-shm", "-journal"):
                    Path(f"{database.sqlite_path}{suffix}").unlink(missing_ok=True)
                database.sqlite_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                shutil.move(Path(scratch) / Path(SQLITE_MEMBER).name, database.sqlite_path)
            else:
                _pg_restore(database.url, Path(scratch) / Path(PG_MEMBER).name, clean=force)
    return dict(manifest)


def _pg_restore(url: str, dump: Path, clean: bool) -> None:
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed (Debian: apt-get install postgresql-client).")
    args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={url}"]
    if clean:
        args += ["--clean", "--if-exists"]
    result = subprocess.run([*args, str(dump)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def restore_main(argv: list[str]) -> int:
    """`everyst-hub restore <file> [--force]`, run without loading Django's settings."""
    from dotenv import load_dotenv

    from everyst_hub.config.env import ConfigError, env_str

    parser = argparse.ArgumentParser(
        prog="everyst-hub restore",
        description="Restore a backup into an empty data dir (EVERYST_DATA_DIR) and database (DATABASE_URL).",
    )
    parser.add_argument("archive", type=Path)
    parser.add_argument(
        "--force", action="store_true", help="replace the database and files of a non-empty data dir"
    )
    args = parser.parse_args(argv)
    try:
        load_dotenv(env_str("EVERYST_ENV_FILE", ".env"), override=False)
        data_dir = Path(env_str("EVERYST_DATA_DIR", "var")).resolve()
        database = database_from_url(env_str("DATABASE_URL", ""), data_dir)
        manifest = restore_backup(args.archive, data_dir, database, force=args.force)
    except (BackupError, ConfigError) as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 2
    print(
        f"Restored the backup of {manifest['created_at']} ({manifest['database']}, "
        f"{len(manifest['files'])} files) into {data_dir}. Start the hub: everyst-hub serve"  # type: ignore[arg-type]
    )
    if manifest.get("settings_file"):
        name = Path(str(manifest["settings_file"])).name
        print(
            f"The hub's settings file was {manifest['settings_file']}: the backup's copy is at "
            f"{data_dir / RESTORED_SETTINGS_DIR / name}; compare it with yours before starting."
        )
    return 0
