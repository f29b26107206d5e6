"""The settings of the hub processes tests start: the hub's own, with a fast password hasher.

The default hasher (PBKDF2, a million rounds) is the point in production and costs a second or
more of the hub's CPU per login on a busy machine; end-to-end tests log in hundreds of times (every
browser test through the login form) and test no property of the hash itself.
"""

from everyst_hub.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
