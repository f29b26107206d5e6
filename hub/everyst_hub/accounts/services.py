"""Account actions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from everyst_hub.core.errors import InvalidInput

from .models import User


@dataclass(frozen=True)
class OwnerCreated:
    user: User
    generated_password: str | None


def ensure_owner(username: str, password: str, email: str = "") -> OwnerCreated | None:
    """Create the first owner when no user exists; None when there already are users."""
    with transaction.atomic():
        if User.objects.exists():
            return None
        generated = None
        if not password:
            generated = password = secrets.token_urlsafe(12)
        candidate = User(username=username, email=email, role=User.Role.OWNER)
        try:
            validate_password(password, candidate)
        except ValidationError as exc:
            raise InvalidInput("EVERYST_OWNER_PASSWORD is too weak: " + " ".join(exc.messages)) from exc
        candidate.set_password(password)
        candidate.is_staff = True
        candidate.save()
    return OwnerCreated(user=candidate, generated_password=generated)
