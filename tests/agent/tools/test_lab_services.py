"""Service detection, DNS, TLS certificates and capture against servers the lab starts."""

from __future__ import annotations

import base64
import io

from tests.agent.tools.conftest import DNS_AAAA, final, rows


def test_banner_detection_identifies_the_ssh_and_http_servers(lab):
    events = lab.tool("services", {"target": lab.host_ip(1), "ports": "22,80,8443"})
    by_port = {row["port"]: row for row in rows(events)}

    assert by_port[22]["service"] == "ssh"
    assert by_port[22]["banner"].startswith("SSH-2.0-OpenSSH_9.2p1")
    assert by_port[80]["service"] == "http"
    assert by_port[80]["http"]["server"] == "evlab-httpd/1.0"
    assert by_port[80]["http"]["title"] == "Everyst Lab"
    assert by_port[8443]["service"] == "https"
    assert by_port[8443]["tls"]["protocol"].startswith("TLSv1.")
    assert by_port[8443]["tls"]["cipher"]
    assert by_port[8443]["http"]["status"] == "HTTP/1.1 200 OK"
    assert by_port[8443]["http"]["server"] == "evlab-httpd/1.0"
    assert by_port[8443]["http"]["title"] == "Everyst Lab"


def test_dns_lookup_against_the_lab_resolver(lab):
    server = lab.host_ip(4)
    events = lab.tool("dns", {"name": "evlab.test", "types": ["MX", "TXT", "NS"], "server": server})
    www = lab.tool("dns", {"name": "www.evlab.test", "types": ["A", "AAAA"], "server": server})
    alias = lab.tool("dns", {"name": "alias.evlab.test", "types": ["CNAME", "A"], "server": server})
    ptr = lab.tool("dns", {"name": server, "types": ["PTR"], "server": server})
    missing = lab.tool("dns", {"name": "nope.evlab.test", "server": server})

    records = {(r["type"], r["value"]) for r in rows(events)}
    assert records == {
        ("MX", "mail.evlab.test"),
        ("TXT", "v=spf1 -all"),
        ("NS", "ns1.evlab.test"),
        ("NS", "ns2.evlab.test"),
    }
    assert next(r["preference"] for r in rows(events) if r["type"] == "MX") == 10
    assert sorted((r["type"], r["value"]) for r in rows(www)) == sorted(
        [("A", lab.host_ip(1)), ("A", lab.host_ip(2)), ("AAAA", DNS_AAAA)]
    )
    # The CNAME alone when asked for it; asked for A, the alias and then the target's addresses.
    assert [(r["query_type"], r["type"], r["name"], r["value"]) for r in rows(alias)] == [
        ("CNAME", "CNAME", "alias.evlab.test", "www.evlab.test"),
        ("A", "CNAME", "alias.evlab.test", "www.evlab.test"),
        ("A", "A", "www.evlab.test", lab.host_ip(1)),
        ("A", "A", "www.evlab.test", lab.host_ip(2)),
    ]
    reverse = ".".join(reversed(server.split("."))) + ".in-addr.arpa"
    assert [(r["type"], r["name"], r["value"]) for r in rows(ptr)] == [("PTR", reverse, "ns1.evlab.test")]
    assert final(ptr)["payload"]["results"]["PTR"]["rcode"] == "NOERROR"
    assert final(missing)["payload"]["results"]["A"]["rcode"] == "NXDOMAIN"


def test_tls_cert_reads_a_self_signed_certificate(lab):
    events = lab.tool("tls_cert", {"host": lab.host_ip(1), "port": 8443, "server_name": "www.evlab.test"})
    result = final(events)["payload"]
    cert = result["certificate"]

    assert cert["subject"] == "CN=www.evlab.test"
    assert cert["issuer"] == "CN=www.evlab.test"
    assert cert["self_signed"] is True
    assert set(cert["sans"]) == {"www.evlab.test", lab.host_ip(1)}
    assert cert["public_key"] == "EC secp256r1"
    assert 28 < cert["days_to_expiry"] <= 30
    assert result["trusted"] is False
    assert "self-signed" in result["verify_error"]
    assert result["protocol"] in ("TLSv1.2", "TLSv1.3")
    assert result["cipher"].startswith("TLS_") or "GCM" in result["cipher"] or "CHACHA" in result["cipher"]
    assert result["cipher_bits"] >= 128
    assert result["chain"] == []  # a self-signed server sends its leaf alone: nothing beyond it


def test_capture_returns_a_valid_pcap_of_the_filtered_packets(lab):
    from scapy.layers.inet import ICMP, IP
    from scapy.utils import rdpcap

    session = lab.tool_session()
    try:
        session.send(
            "cap",
            "capture",
            {"interface": "eth0", "filter": f"icmp and host {lab.host_ip(2)}", "count": 4, "seconds": 20},
        )
        session.wait_for(lambda e: e["job_id"] == "cap" and e["message"].startswith("capturing"))
        session.send("ping", "ping", {"target": lab.host_ip(2), "count": 5, "interval": 0.1})
        events = session.finish()
    finally:
        session.process.kill()
    capture = [e for e in events if e["job_id"] == "cap"]
    done = final(capture)
    packets = rdpcap(io.BytesIO(base64.b64decode(done["blob"])))

    assert done["payload"]["packets"] == 4
    assert len(packets) == 4 == len(rows(capture))
    assert all(ICMP in p and lab.host_ip(2) in (p[IP].src, p[IP].dst) for p in packets)


def test_a_failing_job_does_not_disturb_a_scan_running_beside_it(lab):
    session = lab.tool_session()
    try:
        session.send("scan", "port_scan", {"target": lab.host_ip(3), "ports": "1-10000", "method": "connect"})
        session.send("bad", "tls_cert", {"host": lab.host_ip(3), "port": 5})
        session.send("worse", "no_such_tool")
        events = session.finish()
    finally:
        session.process.kill()
    by_job = {job: [e for e in events if e["job_id"] == job] for job in ("scan", "bad", "worse")}

    assert by_job["bad"][-1]["kind"] == "FAILED"
    assert "cannot connect" in by_job["bad"][-1]["message"]
    assert by_job["worse"][-1]["kind"] == "FAILED"
    assert "unknown tool 'no_such_tool'" in by_job["worse"][-1]["message"]
    assert sorted(r["port"] for r in rows(by_job["scan"])) == [7, 111, 1234, 4321, 9999]
    assert final(by_job["scan"])["payload"]["closed"] == 9995
