from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A console user. Fleet-wide power lives in `role`; per-host-group access in HostGroupAccess."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    class Theme(models.TextChoices):
        SYSTEM = "system", "System"
        DARK = "dark", "Dark"
        LIGHT = "light", "Light"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    theme = models.CharField(max_length=16, choices=Theme.choices, default=Theme.SYSTEM)

    @property
    def sees_everything(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class LoginFailure(models.Model):
    """A failed login, kept for the lockout window (in the database, so replicas agree)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    ts = models.DateTimeField(auto_now_add=True, db_index=True)
