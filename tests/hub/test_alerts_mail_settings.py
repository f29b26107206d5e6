"""The hub's outgoing mail as admins set it in the dashboard (issue #11): saved values win over the
environment, the password is write-only and not stored as given, a test e-mail says what the
server answered, and alert e-mail goes through what was saved, at once. A real SMTP server
(aiosmtpd, with a login) on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from everyst.agent.v1 import agent_pb2
from everyst_hub.alerts.delivery import deliver_due
from everyst_hub.alerts.engine import AlertEngine
from everyst_hub.alerts.models import AlertRule, MailSettings, NotificationChannel, OutboxItem
from everyst_hub.audit.models import AuditEvent
from everyst_hub.metrics.services import IncomingBatch, store_samples

from tests.conftest import access_token_for

USER, PASSWORD = "hub@mail.test", "s3cret-smtp-pass"
# A login without TLS is what aiosmtpd warns about; on 127.0.0.1 in a test it is what we want.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
URL = "/api/v1/mail-settings"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    """aiosmtpd on 127.0.0.1 that wants the login USER / PASSWORD and keeps what it receives."""

    port: int = field(default_factory=free_port)
    received: list[Any] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    controller: Controller | None = None

    def start(self) -> None:
        server = self

        class Handler:
            async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
                server.received.append(envelope)
                return "250 OK"

        def authenticator(smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
                USER.encode(),
                PASSWORD.encode(),
            )
            self.logins.append((data.login.decode() if isinstance(data, LoginPassword) else "", ok))
            return AuthResult(success=ok, handled=False)

        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticator,
            auth_require_tls=False,
            auth_required=True,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    # The real SMTP backend (tests default to the in-memory one); the environment's settings point
    # elsewhere (localhost:25, no login), so only what is saved through the API can reach it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def as_admin(api: Any, world: Any) -> Any:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(world.admin)}")
    return api


def save(api: Any, **fields: Any) -> Any:
    return api.put(URL, fields, format="json")


def point_at(api: Any, server: SmtpServer) -> dict[str, Any]:
    response = save(
        api,
        host="127.0.0.1",
        port=server.port,
        security="none",
        username=USER,
        password=PASSWORD,
        from_address="Everyst <alerts@hub.test>",
        timeout_seconds=5,
    )
    assert response.status_code == 200, response.content
    return dict(response.json())


@pytest.mark.django_db
def test_get_says_where_each_value_comes_from_and_never_returns_the_password(world: Any, api: Any) -> None:
    admin = as_admin(api, world)
    fresh = admin.get(URL).json()
    assert fresh["host"] == "localhost" and fresh["port"] == 25 and fresh["security"] == "none"
    assert set(fresh["sources"].values()) == {"env"} and fresh["password_set"] is False

    saved = save(admin, host="smtp.example.com", password=PASSWORD)
    assert saved.status_code == 200, saved.content
    body = admin.get(URL)
    assert PASSWORD not in body.content.decode() and PASSWORD not in saved.content.decode()
    got = body.json()
    assert got["host"] == "smtp.example.com" and got["password_set"] is True
    assert got["sources"] == {
        "host": "saved",
        "port": "env",
        "security": "env",
        "username": "env",
        "password": "saved",
        "from_address": "env",
        "timeout_seconds": "env",
    }
    assert got["updated_by"] == "admin"
    # Not stored as given either.
    stored = MailSettings.objects.get().password
    assert stored and PASSWORD not in stored

    # An omitted or empty password keeps the saved one; null forgets it (the environment's applies).
    assert save(admin, port=2525).json()["password_set"] is True
    assert save(admin, password="").json()["password_set"] is True
    cleared = save(admin, password=None, host=None).json()
    assert cleared["password_set"] is False and cleared["sources"]["password"] == "env"
    assert cleared["host"] == "localhost" and cleared["sources"]["host"] == "env"
    assert cleared["port"] == 2525 and cleared["sources"]["port"] == "saved"

    audited = list(AuditEvent.objects.filter(action="alert.mail.update").order_by("id"))
    assert [e.details for e in audited][0] == {"saved": ["host", "password"], "reset_to_env": []}
    assert audited[-1].details == {"saved": [], "reset_to_env": ["host", "password"]}
    assert all(PASSWORD not in str(e.details) for e in AuditEvent.objects.all())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"port": 0}, "port"),
        ({"port": 65536}, "port"),
        ({"port": "smtp"}, "port"),
        ({"host": "smtp://mail.example.com"}, "host"),
        ({"host": "mail example com"}, "host"),
        ({"host": ""}, "host"),
        ({"host": "mail.example.com:587"}, "host"),
        ({"from_address": "not an address"}, "from_address"),
        ({"from_address": "a@b.test\nBcc: victim@example.com"}, "from_address"),
        ({"security": "ssl"}, "security"),
        ({"timeout_seconds": 0}, "timeout_seconds"),
        ({"timeout_seconds": 301}, "timeout_seconds"),
        ({"password": "\ud800"}, "password"),
        ({"username": "me\udfff"}, "username"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(
    world: Any, api: Any, fields: dict[str, Any], bad: str
) -> None:
    # As a browser sends it: JSON escapes what UTF-8 cannot hold (a lone surrogate) as \udXXX.
    response = as_admin(api, world).put(URL, json.dumps(fields), content_type="application/json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert list(error["fields"]) == [bad] and error["fields"][bad][0]
    assert not MailSettings.objects.exists()


@pytest.mark.django_db
def test_accepted_forms_of_host_and_from_address(world: Any, api: Any) -> None:
    admin = as_admin(api, world)
    for host in ("mail.example.com", "127.0.0.1", "::1", "smtp"):
        assert save(admin, host=host).json()["host"] == host
    assert save(admin, from_address="Everyst Hub <hub@example.com>").status_code == 200
    assert save(admin, security="tls", port=465).json()["security"] == "tls"


@pytest.mark.django_db
def test_only_admins_see_change_or_test_the_mail_settings(world: Any, api: Any) -> None:
    for name in ("operator_a", "viewer_a", "outsider"):
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(getattr(world, name))}")
        assert api.get(URL).status_code == 403
        assert save(api, host="evil.example.com").status_code == 403
        assert api.post(f"{URL}/test", {"to": "x@example.com"}, format="json").status_code == 403
    assert not MailSettings.objects.exists()


@pytest.mark.django_db
def test_the_test_email_goes_through_the_saved_settings_and_a_failure_says_what_the_server_answered(
    world: Any, api: Any, smtp: SmtpServer
) -> None:
    admin = as_admin(api, world)
    point_at(admin, smtp)
    no_address = admin.post(f"{URL}/test", {}, format="json")
    assert no_address.status_code == 400 and "e-mail address" in no_address.json()["error"]["message"]

    world.admin.email = "admin@example.com"
    world.admin.save()
    own = admin.post(f"{URL}/test", {}, format="json").json()
    assert own == {"delivered": True, "error": None, "to": "admin@example.com"}
    given = admin.post(f"{URL}/test", {"to": "ops@example.com"}, format="json").json()
    assert given["delivered"] is True
    assert [e.rcpt_tos for e in smtp.received] == [["admin@example.com"], ["ops@example.com"]]
    assert smtp.received[0].mail_from == "alerts@hub.test"
    assert "Subject: [Everyst] Test e-mail" in smtp.received[0].content.decode()
    assert smtp.logins == [(USER, True), (USER, True)]

    save(admin, password="wrong")
    refused = admin.post(f"{URL}/test", {}, format="json")
    assert refused.status_code == 200
    assert refused.json()["delivered"] is False
    assert refused.json()["error"].startswith(f"127.0.0.1:{smtp.port} refused the login: 535")

    smtp.stop()
    down = admin.post(f"{URL}/test", {}, format="json").json()
    assert down["delivered"] is False
    assert down["error"] == f"cannot connect to 127.0.0.1:{smtp.port}: Connection refused"
    outcomes = AuditEvent.objects.filter(action="alert.mail.test").values_list("outcome", flat=True)
    assert list(outcomes.order_by("id")) == ["success", "success", "failure", "failure"]


@pytest.mark.django_db
def test_alert_email_leaves_through_the_settings_saved_in_the_api_at_once(
    world: Any, api: Any, settings: Any, smtp: SmtpServer
) -> None:
    AlertRule.objects.filter(builtin=True).update(enabled=False)
    AlertRule.objects.create(name="Memory high", metric="memory.percent", threshold=90, severity="critical")
    NotificationChannel.objects.create(name="ops mail", kind="email", config={"to": ["ops@example.com"]})
    engine = AlertEngine()
    engine.load()
    now = int(time.time() * 1000)

    def breach(ts_ms: int, percent: float) -> None:
        s = agent_pb2.Sample(ts_ms=ts_ms)
        s.memory.percent = percent
        batch = [IncomingBatch(world.host_a.id, agent_pb2.MetricBatch(seq=ts_ms, samples=[s]))]
        store_samples(batch)
        engine.observe(batch)

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # the environment's: nobody
    breach(now - 5000, 97.5)
    assert deliver_due() == 0
    (waiting,) = OutboxItem.objects.all()
    assert waiting.attempts == 1 and "Connection refused" in waiting.last_error

    point_at(as_admin(api, world), smtp)  # no restart: the next attempt reads what was saved
    assert deliver_due(now=waiting.next_attempt_at) == 1
    (envelope,) = smtp.received
    assert envelope.mail_from == "alerts@hub.test" and envelope.rcpt_tos == ["ops@example.com"]
    assert "Subject: [Everyst] CRITICAL firing: Memory high on host-a" in envelope.content.decode()
    assert smtp.logins == [(USER, True)]


@pytest.mark.django_db
def test_a_password_saved_under_another_secret_key_is_reported_and_not_sent(
    world: Any, api: Any, settings: Any, smtp: SmtpServer
) -> None:
    admin = as_admin(api, world)
    point_at(admin, smtp)
    settings.SECRET_KEY = "another-secret-key-after-a-reinstall"
    got = admin.get(URL).json()
    assert got["password_set"] is True and "enter it again" in got["password_error"]
    result = admin.post(f"{URL}/test", {"to": "ops@example.com"}, format="json").json()
    assert result["delivered"] is False and "cannot be decrypted" in result["error"]
    assert smtp.received == [] and smtp.logins == []
    assert save(admin, password=PASSWORD).json()["password_error"] is None
    assert admin.post(f"{URL}/test", {"to": "ops@example.com"}, format="json").json()["delivered"] is True
