from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from everyst_hub.config.env import env_str
from everyst_hub.core.backup import BackupError, create_backup, database_from_url


def _hub_version() -> str:
    try:
        return version("everyst")
    except PackageNotFoundError:
        return ""


class Command(BaseCommand):
    help = (
        "Write one consistent archive of the hub (database, PKI, keys, settings) while it runs; "
        "`everyst-hub restore <file>` brings it back."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path, help="the archive to write (.tar.gz), outside the data dir")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.DATA_DIR)
        try:
            database = database_from_url(env_str("DATABASE_URL", ""), data_dir)
            manifest = create_backup(
                options["archive"],
                data_dir,
                database,
                env_file=Path(env_str("EVERYST_ENV_FILE", ".env")),
                hub_version=_hub_version(),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        files = manifest["files"]
        assert isinstance(files, list)
        self.stdout.write(
            f"Wrote {options['archive']}: the {manifest['database']} database and {len(files)} files "
            f"of {data_dir}. Restore with: everyst-hub restore {options['archive']}"
        )
