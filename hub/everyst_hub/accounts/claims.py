"""The claims Everyst adds to simplejwt's tokens (see sessions.py). Imports nothing of ours:
DRF loads the authentication class, which needs this, while the rest of the hub still loads."""

from __future__ import annotations

from typing import Any

GENERATION_CLAIM = "gen"
FAMILY_CLAIM = "fam"


def token_is_current(user: Any, claims: Any) -> bool:
    """Whether a token's generation is still the user's (access and refresh tokens alike)."""
    return int(claims.get(GENERATION_CLAIM, 0)) == user.token_generation
