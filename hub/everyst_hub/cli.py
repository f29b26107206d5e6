"""`everyst-hub`: the hub's command line (Django management commands, settings preset)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "everyst_hub.config.settings")
    if sys.argv[1:2] == ["restore"]:
        # Before Django: loading the settings would create fresh keys in the empty data dir.
        from everyst_hub.core.backup import restore_main

        sys.exit(restore_main(sys.argv[2:]))
    if "serve" in sys.argv[1:2]:
        # Twisted's asyncio reactor must be installed before anything imports twisted.
        import daphne.server  # noqa: F401

    from django.core.management import execute_from_command_line

    from everyst_hub.config.env import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        # A setting that cannot be used: its message says which and how to fix it; no traceback.
        print(f"everyst-hub: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
