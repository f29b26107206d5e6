"""One machine enrolling with several tokens at the same moment (an install script run twice, two
replicas behind a load balancer) becomes one host, whatever database the hub runs on."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from everyst.agent.v1 import agent_pb2
from everyst_hub.core.errors import EverystError
from everyst_hub.inventory import enrollment
from everyst_hub.inventory.models import Agent, Host

ATTEMPTS = 8


@pytest.mark.django_db(transaction=True)
def test_a_new_machine_enrolling_with_several_tokens_at_once_becomes_one_host_with_one_agent() -> None:
    tokens = [enrollment.create_enrollment_token().raw for _ in range(ATTEMPTS)]
    facts = agent_pb2.HostFacts(hostname="twice", machine_id="m" * 32, os="TestOS")
    start = threading.Barrier(ATTEMPTS)
    enrolled: list[str] = []
    refused: list[str] = []
    unexpected: list[BaseException] = []

    def attempt(raw: str) -> None:
        try:
            start.wait(10)
            enrolled.append(enrollment.enroll_agent(raw, facts, peer="ipv4:127.0.0.1:40000").binding)
        except EverystError as exc:
            refused.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 (reported to the test thread)
            unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(raw,)) for raw in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not unexpected, repr(unexpected[0])
    assert Host.objects.filter(machine_id=facts.machine_id).count() == 1
    assert Agent.objects.filter(revoked_at__isnull=True).count() == 1
    assert enrolled == ["new_host"]
    assert refused == ["already_enrolled"] * (ATTEMPTS - 1)
