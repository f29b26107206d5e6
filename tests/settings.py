"""Settings for in-process hub tests: a throw-away data dir, no developer .env, fast hashing."""

import os
import tempfile

os.environ.setdefault("EVERYST_DATA_DIR", tempfile.mkdtemp(prefix="everyst-test-"))
os.environ["EVERYST_TESTING"] = "1"
os.environ["EVERYST_ENV_FILE"] = os.devnull

from everyst_hub.config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
