"""Settings for in-process hub tests: a throw-away data dir, no developer .env, fast hashing."""

import os
import tempfile

os.environ.setdefault("EVERYST_DATA_DIR", tempfile.mkdtemp(prefix="everyst-test-"))
os.environ["EVERYST_TESTING"] = "1"
os.environ["EVERYST_ENV_FILE"] = os.devnull

from everyst_hub.config.settings import *  # noqa: E402,F403

# Django's default SQLite test database is in memory with a shared cache: there a writer that meets
# another thread's transaction fails at once ("database table is locked") instead of waiting out
# busy_timeout as the hub's file database does. The hub writes from several threads, so tests run
# on a file, with the production pragmas (WAL, busy_timeout, IMMEDIATE transactions).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
