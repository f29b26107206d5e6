"""The hub's outgoing mail server (alert e-mail): each value saved from the dashboard (the one
MailSettings row) wins over the environment's (EVERYST_EMAIL_*), which applies to what is not
saved. Read at every send, so a change applies at once and on every replica.

The saved password is encrypted (Fernet) under a key derived from SECRET_KEY, which replicas
share; a hub whose secret key changed cannot read it and says so until it is entered again.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import smtplib
import socket
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone

from everyst_hub.audit.services import record
from everyst_hub.core.errors import Forbidden, InvalidInput

from .models import MailSettings

FIELDS = ("host", "port", "security", "username", "password", "from_address", "timeout_seconds")
Security = MailSettings.Security
PASSWORD_UNREADABLE = (
    "The saved SMTP password cannot be decrypted (the hub's secret key changed since it was saved): "
    "enter it again."
)


class ValueSource(models.TextChoices):
    ENV = "env"  # the environment's (EVERYST_EMAIL_*)
    SAVED = "saved"  # saved from the dashboard


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    security: str
    username: str
    password: str
    from_address: str
    timeout_seconds: int
    # Per field, a ValueSource.
    sources: dict[str, str]
    # The saved password could not be decrypted; sending fails with this message.
    password_error: str | None = None
    # When and by whom the saved values were last changed.
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def password_set(self) -> bool:
        return bool(self.password) or self.password_error is not None


def require_admin(user: Any) -> None:
    if not user.sees_everything:
        raise Forbidden("Only admins manage the hub's outgoing mail.")


def _fernet() -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"everyst mail password").derive(
        settings.SECRET_KEY.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode()


def decrypt(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def _from_env() -> dict[str, Any]:
    security = Security.NONE
    if settings.EMAIL_USE_SSL:
        security = Security.TLS
    elif settings.EMAIL_USE_TLS:
        security = Security.STARTTLS
    return {
        "host": settings.EMAIL_HOST,
        "port": settings.EMAIL_PORT,
        "security": str(security),
        "username": settings.EMAIL_HOST_USER,
        "password": settings.EMAIL_HOST_PASSWORD,
        "from_address": settings.DEFAULT_FROM_EMAIL,
        "timeout_seconds": settings.EMAIL_TIMEOUT,
    }


def _row() -> MailSettings | None:
    return MailSettings.objects.select_related("updated_by").filter(pk=1).first()


def effective(row: MailSettings | None = None, *, loaded: bool = False) -> MailConfig:
    """What a message sent now goes through."""
    if not loaded:
        row = _row()
    values, sources = _from_env(), dict.fromkeys(FIELDS, str(ValueSource.ENV))
    password_error = None
    for name in FIELDS:
        saved = getattr(row, name) if row is not None else None
        if saved is None:
            continue
        sources[name] = str(ValueSource.SAVED)
        if name == "password":
            saved = decrypt(saved)
            if saved is None:
                password_error, saved = PASSWORD_UNREADABLE, ""
        values[name] = saved
    return MailConfig(
        **values,
        sources=sources,
        password_error=password_error,
        updated_at=row.updated_at if row is not None else None,
        updated_by=row.updated_by.username if row is not None and row.updated_by else None,
    )


def connection(config: MailConfig) -> BaseEmailBackend:
    """A connection of the configured e-mail backend (SMTP but in tests) with these settings."""
    return get_connection(
        host=config.host,
        port=config.port,
        username=config.username,
        password=config.password,
        use_tls=config.security == Security.STARTTLS,
        use_ssl=config.security == Security.TLS,
        timeout=config.timeout_seconds,
    )


def describe_error(exc: BaseException, config: MailConfig) -> str:
    """An SMTP failure in words an admin can act on, with the server's own answer."""
    where = f"{config.host}:{config.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{where} refused the login: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{to}: {code} {_text(msg)}" for to, (code, msg) in exc.recipients.items())
        return f"{where} refused the recipient ({refused})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{where} does not support it: {exc}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection ({exc or 'no reason given'}); is the security setting right?"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS with {where} failed: {exc}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"{where} did not answer within {config.timeout_seconds} s"
    if isinstance(exc, socket.gaierror):
        return f"the mail server's name {config.host!r} does not resolve: {exc.strerror or exc}"
    if isinstance(exc, OSError):
        return f"cannot connect to {where}: {exc.strerror or exc}"
    return f"sending e-mail failed: {exc}"


def _text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


class MailFailed(Exception):
    pass


def send(subject: str, body: str, to: list[str]) -> None:
    """Send one message through the effective settings; MailFailed says why it did not leave."""
    config = effective()
    if config.password_error:
        raise MailFailed(config.password_error)
    message = EmailMessage(
        subject=subject, body=body, from_email=config.from_address, to=to, connection=connection(config)
    )
    try:
        message.send()
    except Exception as exc:  # smtplib, ssl and socket errors alike
        raise MailFailed(describe_error(exc, config)) from exc


# ------------------------------------------------------------------------- the admins' settings


def get_settings(user: Any) -> MailConfig:
    require_admin(user)
    return effective()


def update_settings(user: Any, fields: dict[str, Any], ip: str | None = None) -> MailConfig:
    """Save the given values; None forgets a saved one (the environment's applies again). The
    password: a new one is stored encrypted, an empty one keeps what is stored."""
    require_admin(user)
    fields = {k: v for k, v in fields.items() if k in FIELDS}
    if fields.get("password") == "":
        del fields["password"]
    with transaction.atomic():
        row, _ = MailSettings.objects.select_for_update().get_or_create(pk=1)
        for name, value in fields.items():
            if name == "password" and value is not None:
                value = encrypt(value)
            setattr(row, name, value)
        row.updated_at, row.updated_by = timezone.now(), user
        row.save()
    # Which fields changed, and for each whether it was saved or given back to the environment;
    # never a value of the password.
    record(
        "alert.mail.update",
        actor=user,
        target_type="mail_settings",
        target_name="outgoing mail",
        ip=ip,
        saved=sorted(k for k, v in fields.items() if v is not None),
        reset_to_env=sorted(k for k, v in fields.items() if v is None),
    )
    return effective(row, loaded=True)


def send_test(user: Any, to: str | None, ip: str | None = None) -> dict[str, Any]:
    """Send a test e-mail now (to the admin's own address unless another is given)."""
    require_admin(user)
    address = to or user.email
    if not address:
        raise InvalidInput(
            'Your profile has no e-mail address: give one in "to", or set yours on the Account page.',
            code="no_address",
        )
    error = None
    try:
        send(
            "[Everyst] Test e-mail",
            "If you read this, Everyst's alert e-mail reaches you.\n\n"
            f"Sent by {user.username} to test the hub's outgoing mail settings "
            f"(test {uuid.uuid4().hex[:12]}).\n",
            [address],
        )
    except MailFailed as exc:
        error = str(exc)
    record(
        "alert.mail.test",
        actor=user,
        target_type="mail_settings",
        target_name="outgoing mail",
        outcome="success" if error is None else "failure",
        ip=ip,
        to=address,
        error=error,
    )
    return {"delivered": error is None, "error": error, "to": address}


def valid_host(value: str) -> str:
    """A host name or an IP address, as an SMTP client connects to it."""
    text = value.strip().rstrip(".")
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    label = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
    if not text or len(text) > 253 or not re.fullmatch(rf"{label}(?:\.{label})*", text):
        raise ValidationError(
            "Give a host name (smtp.example.com) or an IP address, without a scheme, port or spaces."
        )
    return text


def valid_from_address(value: str) -> str:
    """An address, or a name and an address ("Everyst <alerts@example.com>")."""
    if "\n" in value or "\r" in value:
        raise ValidationError("The from address is one line.")
    name, address = parseaddr(value)
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationError(
            f"{value!r} is not an e-mail address (alerts@example.com, or Everyst <alerts@example.com>)."
        ) from exc
    return value.strip()
