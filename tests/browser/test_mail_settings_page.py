"""The hub's outgoing mail in a real browser (issue #11): an admin saves the SMTP server on the
Alerts page's Channels tab, never sees the password again, and sends a test e-mail that a real
SMTP server (aiosmtpd, with a login, on 127.0.0.1) receives; a refused value and an unreachable
server are told in words."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.browser import log_in
from tests.support.processes import Hub

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

SMTP_USER, SMTP_PASSWORD = "hub-sender", "smtp-pass-from-the-browser"


class Smtp:
    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.received: list[Any] = []
        self.logins: list[bool] = []
        self.running = False
        received, logins = self.received, self.logins

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
                received.append(envelope)
                return "250 OK"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
                SMTP_USER.encode(),
                SMTP_PASSWORD.encode(),
            )
            logins.append(ok)
            return AuthResult(success=ok, handled=False)

        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticator,
            auth_require_tls=False,
            auth_required=True,
        )

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.controller.start()
    server.running = True
    yield server
    server.stop()


def test_an_admin_saves_the_smtp_server_and_the_test_email_reaches_it(  # type: ignore[no-untyped-def]
    hub: Hub, browser, smtp: Smtp
) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        log_in(page, hub)
        page.locator('[data-testid="live-indicator"][data-state="live"]').wait_for(timeout=15_000)
        page.goto(f"{hub.url}/alerts?tab=channels")
        section = page.get_by_test_id("mail-settings")
        section.get_by_test_id("mail-form").wait_for(timeout=15_000)
        assert section.get_by_test_id("mail-source-host").get_attribute("data-source") == "env"
        assert section.get_by_test_id("mail-host").input_value() == "localhost"

        # A refused value is told, field by field, and nothing is saved.
        section.get_by_test_id("mail-host").fill("smtp://127.0.0.1")
        section.get_by_test_id("mail-save").click()
        error = section.get_by_test_id("mail-error")
        error.wait_for(timeout=10_000)
        assert "host:" in error.inner_text() and "without a scheme" in error.inner_text()

        section.get_by_test_id("mail-host").fill("127.0.0.1")
        section.get_by_test_id("mail-port").fill(str(smtp.port))
        section.get_by_test_id("mail-security").select_option("none")
        section.get_by_test_id("mail-username").fill(SMTP_USER)
        section.get_by_test_id("mail-password").fill(SMTP_PASSWORD)
        section.get_by_test_id("mail-from").fill("Everyst <alerts@hub.test>")
        section.get_by_test_id("mail-save").click()
        section.get_by_test_id("mail-saved").wait_for(timeout=10_000)

        # Saved: each value says so, and the password is never shown again.
        assert section.get_by_test_id("mail-source-host").get_attribute("data-source") == "saved"
        assert section.get_by_test_id("mail-source-timeout_seconds").get_attribute("data-source") == "env"
        assert section.get_by_test_id("mail-password-set").get_attribute("data-set") == "true"
        password = section.get_by_test_id("mail-password")
        assert password.input_value() == ""
        assert password.get_attribute("placeholder") == "set — leave empty to keep"
        assert SMTP_PASSWORD not in page.content()

        section.get_by_test_id("mail-test-to").fill("ops@example.com")
        section.get_by_test_id("mail-test").click()
        result = section.locator('[data-testid="mail-test-result"][data-state="delivered"]')
        result.wait_for(timeout=20_000)
        assert result.inner_text() == "Test email sent to ops@example.com."
        (envelope,) = smtp.received
        assert envelope.rcpt_tos == ["ops@example.com"] and envelope.mail_from == "alerts@hub.test"
        assert "Subject: [Everyst] Test e-mail" in envelope.content.decode()
        assert smtp.logins == [True]

        # Saving again without typing a password keeps it: the next test still logs in.
        section.get_by_test_id("mail-timeout").fill("7")
        section.get_by_test_id("mail-save").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"mail-source-timeout_seconds\"]')"
            "?.dataset.source === 'saved'",
            timeout=10_000,
        )
        section.get_by_test_id("mail-test").click()
        section.locator('[data-testid="mail-test-result"][data-state="delivered"]').wait_for(timeout=20_000)
        assert len(smtp.received) == 2 and smtp.logins == [True, True]

        smtp.stop()
        section.get_by_test_id("mail-test").click()
        failed = section.locator('[data-testid="mail-test-result"][data-state="failed"]')
        failed.wait_for(timeout=20_000)
        assert failed.inner_text() == f"Not sent: cannot connect to 127.0.0.1:{smtp.port}: Connection refused"
    finally:
        context.close()
