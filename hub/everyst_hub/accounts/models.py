from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from .usernames import normalize, skeleton


class NormalizedUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        """Log-ins find the account by its normalised name ("OWNER", "ｏｗｎｅｒ" → owner).

        Accounts from before normalisation may share a normalised name (say "Bob" and "bob");
        then only the exact spelling finds one of them."""
        matches = list(self.filter(username_key=normalize(username or ""))[:10])
        if len(matches) > 1:
            matches = [user for user in matches if user.username == username]
        if len(matches) != 1:
            raise self.model.DoesNotExist
        return matches[0]


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
    # Derived from `username` on every save (see usernames.py); NFKC can lengthen a name.
    username_key = models.TextField(db_index=True, editable=False, default="")
    username_skeleton = models.TextField(db_index=True, editable=False, default="")
    # Tokens carry the generation they were issued in; raising it ends every session at once.
    token_generation = models.PositiveIntegerField(default=0)

    objects = NormalizedUserManager()  # type: ignore[misc]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.username_key = normalize(self.username)
        self.username_skeleton = skeleton(self.username)
        derived = {"username_key", "username_skeleton"}
        # A new password (set_password leaves it in _password until saved) ends older tokens
        # however it was set, `everyst-hub changepassword` included. A hash upgrade at login
        # clears _password before saving, so it does not end anyone's session.
        if self._password is not None and not self._state.adding:
            self.token_generation += 1
            derived.add("token_generation")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"username", "password"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    @property
    def sees_everything(self) -> bool:
        """Owner or admin on a session (inventory/access.py decides, as for every role check)."""
        from everyst_hub.inventory.access import sees_everything

        return sees_everything(self)


class LoginFailure(models.Model):
    """A failed login, kept for the throttle window (in the database, so replicas agree).

    `username` is the normalised name tried; `ip` the source (an IPv6 source as its /64)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    ts = models.DateTimeField(auto_now_add=True, db_index=True)


class ApiToken(models.Model):
    """A personal, named token for scripts and scrapers (`Authorization: Bearer eva_…`).

    Only the sha256 of the secret is stored: the secret is 256 random bits, so a fast hash is
    enough (nothing to guess) and lets a request find its token with one indexed lookup. What the
    token may see is its owner's access narrowed to `groups`, and for `read` tokens capped at
    viewer (inventory/access.py); it never administers anything."""

    class Role(models.TextChoices):
        READ = "read", "Read-only"
        OPERATE = "operate", "Operator"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The secret's first characters, shown in lists so the owner can tell tokens apart.
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.READ)
    groups = models.ManyToManyField("inventory.HostGroup", related_name="+", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
