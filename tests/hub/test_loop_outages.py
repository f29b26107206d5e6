"""A background loop whose database is unavailable says so once and says when it is back, instead
of a traceback every turn; any other failure keeps its traceback every time."""

from __future__ import annotations

import logging

import pytest
from django.db import InterfaceError, OperationalError
from everyst_hub.core.outages import LoopHealth

logger = logging.getLogger("everyst_hub.tests.loop")


def records(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str, bool]]:
    mine = [r for r in caplog.records if r.name == logger.name]
    return [(r.levelno, r.getMessage(), r.exc_info is not None) for r in mine]


def test_an_outage_is_one_warning_when_it_starts_and_one_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    health = LoopHealth("metrics compaction", logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        for _ in range(5):
            health.failed(OperationalError("connection refused"))
        health.failed(InterfaceError("connection already closed"))
        health.succeeded()
        health.succeeded()
    assert records(caplog) == [
        (
            logging.WARNING,
            "metrics compaction paused: the database is unavailable (connection refused); retrying",
            False,
        ),
        (logging.WARNING, "metrics compaction resumed: the database is back", False),
    ]


def test_any_other_failure_is_logged_with_its_traceback_every_turn(caplog: pytest.LogCaptureFixture) -> None:
    health = LoopHealth("the alert tick", logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        for _ in range(2):
            try:
                raise KeyError("rule")
            except KeyError as exc:
                health.failed(exc)
        health.succeeded()
    assert records(caplog) == [(logging.ERROR, "the alert tick failed", True)] * 2
