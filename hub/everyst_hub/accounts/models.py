from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A console user. Fleet-wide power lives in `role`; per-host-group access in HostGroupAccess."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    @property
    def sees_everything(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)
