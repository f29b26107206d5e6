"""Alerts at fleet scale: what evaluating rules on ingest costs the hub, how soon a breach reaches
an owner's browser and a webhook, and what a storm of breaches sends.

One hub, simulated agents at 1 Hz. Phase A streams with every rule disabled; phase B with the
default rules, 20 custom rules that never fire and a benchmark rule (memory above 90 % for 5 s),
over a window of the same length: the hub's CPU in each. During phase B, a few hosts breach one
at a time, 12 s apart (more than the channel's 10 s grouping window, so each firing goes out on
its own): latency = arrival - (the breach's first sample + 5 s), for the owner's `notification`
frame and for the webhook. Then a storm: a quarter of the fleet (500 of 2,000) breaches in the
same second; every webhook message is counted per grouping window. The webhook target runs in
this process on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import math
import threading
import time
from datetime import datetime
from typing import Any

from websockets.sync.client import connect

from tests.support.processes import Hub

from .common import CpuWindow, Row, sleep_until, summary, table, temp_dir, verdict
from .sim import Fleet

RULE_FOR_SECONDS = 5
GROUP_SECONDS = 10.0
ISOLATED_SPACING = 12.0
MAX_EXTRA_CPU_PCT = 10.0
MAX_TOAST_P99_S = 1.0
MAX_WEBHOOK_P99_S = 2.0
MAX_ACK_LAG_S = 5.0
CUSTOM_RULES = [
    ("cpu.core", ">", 99.9),
    ("cpu.iowait", ">", 99),
    ("cpu.steal", ">", 99),
    ("swap.percent", ">", 99),
    ("load.per_core", ">", 50),
    ("disk.percent", ">", 99),
    ("disk.inodes_percent", ">", 99),
    ("disk_io.busy_pct", ">", 99),
    ("net.rx_bps", ">", 1e12),
    ("net.tx_bps", ">", 1e12),
    ("temperature", ">", 150),
    ("memory.percent", ">", 99.5),
    ("cpu.percent", ">", 99.5),
    ("cpu.percent", "<", -1),
    ("net.rx_bps", "<", -1),
    ("disk.percent", ">", 99.9),
    ("disk_io.busy_pct", ">", 99.9),
    ("cpu.core", "<", -1),
    ("load.per_core", ">", 99),
    ("memory.percent", "<", -1),
]


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class WebhookTarget:
    """A webhook endpoint on 127.0.0.1: every message with its arrival time."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, dict[str, Any]]] = []
        received = self.messages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((time.time(), json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class ToastWatcher(threading.Thread):
    """An owner's live socket: the arrival of every alert and notification frame."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(daemon=True, name="toast-watcher")
        self.hub = hub
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.started_at: dict[int, tuple[float, str]] = {}  # alert id -> (breach's first sample, host)
        self.toasts: dict[int, float] = {}  # alert id -> arrival of its firing notification frame
        self.error = ""

    def run(self) -> None:
        try:
            with connect(self.hub.ws_url, origin=self.hub.url, open_timeout=10, max_size=None) as ws:
                ws.send(json.dumps({"type": "auth", "token": self.hub.login()}))
                self.ready.set()
                while not self.stop.is_set():
                    try:
                        text = ws.recv(timeout=0.5)
                    except TimeoutError:
                        continue
                    now = time.time()
                    frame = json.loads(text)
                    if frame.get("type") == "alert" and frame.get("event") == "firing":
                        alert = frame["alert"]
                        self.started_at[alert["id"]] = (_ts(alert["started_at"]), alert["host"]["id"])
                    elif frame.get("type") == "notification" and frame["notification"]["event"] == "firing":
                        self.toasts.setdefault(frame["notification"]["alert"], now)
        except Exception as exc:  # reported in the result
            self.error = f"{type(exc).__name__}: {exc}"
            self.ready.set()


def _setup_rules(hub: Hub, token: str, url: str) -> tuple[list[dict[str, Any]], int]:
    """Disable every rule (phase A), create the custom and benchmark rules disabled, the channel."""
    hub.post(
        "/api/v1/notification-channels",
        {"name": "bench", "kind": "webhook", "config": {"url": url}, "secret": "bench-signing-secret-0"},
        token,
    )
    rules = hub.get("/api/v1/alert-rules", token)
    for metric, comparison, threshold in CUSTOM_RULES:
        rules.append(
            hub.post(
                "/api/v1/alert-rules",
                {
                    "name": f"custom {metric} {comparison} {threshold:g}",
                    "metric": metric,
                    "comparison": comparison,
                    "threshold": threshold,
                    "for_seconds": 60,
                    "enabled": False,
                },
                token,
            )
        )
    bench = hub.post(
        "/api/v1/alert-rules",
        {
            "name": "bench memory",
            "metric": "memory.percent",
            "threshold": 90,
            "for_seconds": RULE_FOR_SECONDS,
            "clear_threshold": 85,
            "severity": "critical",
            "enabled": False,
        },
        token,
    )
    rules.append(bench)
    for rule in rules:
        if rule["enabled"]:
            hub.call("PATCH", f"/api/v1/alert-rules/{rule['id']}", token, {"enabled": False})
    return rules, int(bench["id"])


def run(quick: bool = False, workers: int = 3) -> dict[str, Any]:
    count = 100 if quick else 2000
    phase = 20.0 if quick else 120.0
    isolated = 3 if quick else 10
    storm = count // 4
    storm_hold = 25.0 if quick else 40.0
    with temp_dir("everyst-bench-alerts-") as tmp:
        hub = Hub(
            tmp / "hub",
            extra_env={
                "EVERYST_ALERTS_GROUP_SECONDS": f"{GROUP_SECONDS:g}",
                # The toast socket outlives a default 5-minute access token, which closes it.
                "EVERYST_ACCESS_TOKEN_MINUTES": "60",
            },
        )
        fleet: Fleet | None = None
        watcher: ToastWatcher | None = None
        target = WebhookTarget()
        try:
            hub.start()
            token = hub.login()
            rules, bench_rule = _setup_rules(hub, token, target.url)
            fleet = Fleet(hub, workers, ack_every_batch=True)  # ack lag = storage lag (ingest lag)
            fleet.enroll(count)
            hold_start = math.ceil(time.time() + 5 + count / 50)
            a_start = hold_start + 10
            a_end = a_start + phase
            b_start = a_end + 10
            b_end = b_start + phase
            breaches = [b_start + 5 + ISOLATED_SPACING * k for k in range(isolated)]
            storm_at = math.ceil(max(b_end, breaches[-1] + ISOLATED_SPACING)) + 5
            hold_end = storm_at + storm_hold
            for index, cred in enumerate(fleet.creds[:count]):
                if index < isolated:
                    cred["breach"] = (breaches[index], hold_end + 60)
                elif index < isolated + storm:
                    cred["breach"] = (storm_at, hold_end + 60)
            watcher = ToastWatcher(hub)
            watcher.start()
            if not watcher.ready.wait(30) or watcher.error:
                raise RuntimeError(f"the WebSocket client could not authenticate: {watcher.error}")
            futures = fleet.stream(count, hold_start, hold_end, drain=15.0, spread=None)
            assert hub.process is not None
            cpu = CpuWindow({"hub": hub.process.pid})
            sleep_until(a_start)
            cpu.start()
            sleep_until(a_end)
            without = cpu.stop()
            token = hub.login()
            for rule in rules:
                hub.call("PATCH", f"/api/v1/alert-rules/{rule['id']}", token, {"enabled": True})
            sleep_until(b_start)
            cpu.start()
            sleep_until(b_end)
            with_rules = cpu.stop()
            merged = fleet.results(futures, timeout=hold_end - time.time() + 200)
            time.sleep(GROUP_SECONDS + 3)  # the storm's last grouped message
        finally:
            if watcher is not None:
                watcher.stop.set()
                watcher.join(10)
            if fleet is not None:
                fleet.close()
            hub.stop()
            target.close()
    isolated_hosts = {c["host_id"] for c in fleet.creds[:isolated]} if fleet else set()
    toast_lat, storm_toast_lat, hook_lat, storm_messages, storm_events = [], [], [], [], 0
    for arrived, payload in target.messages:
        for event in payload["events"]:
            alert = event["alert"]
            if event["event"] != "firing" or alert["rule"]["id"] != bench_rule:
                continue
            due = _ts(alert["started_at"]) + RULE_FOR_SECONDS
            if alert["host"]["id"] in isolated_hosts:
                hook_lat.append(arrived - due)
            else:
                storm_events += 1
        if arrived >= storm_at:
            storm_messages.append(arrived)
    if watcher is not None:
        for alert_id, arrived in watcher.toasts.items():
            if alert_id in watcher.started_at:
                started, host_id = watcher.started_at[alert_id]
                latency = arrived - (started + RULE_FOR_SECONDS)
                (toast_lat if host_id in isolated_hosts else storm_toast_lat).append(latency)
    windows: dict[int, int] = {}
    for arrived in storm_messages:
        windows[int((arrived - storm_at) // GROUP_SECONDS)] = (
            windows.get(int((arrived - storm_at) // GROUP_SECONDS), 0) + 1
        )
    cpu_a = without["hub"]["cpu_pct_of_core"]
    cpu_b = with_rules["hub"]["cpu_pct_of_core"]
    return {
        "agents": count,
        "phase_seconds": phase,
        "rules": {"default": len(rules) - len(CUSTOM_RULES) - 1, "custom": len(CUSTOM_RULES), "bench": 1},
        "hub_cpu_pct_without_rules": cpu_a,
        "hub_cpu_pct_with_rules": cpu_b,
        "extra_cpu_pct": round(100 * (cpu_b - cpu_a) / cpu_a, 1) if cpu_a else None,
        "machine_busy_pct": [without["machine_busy_pct"], with_rules["machine_busy_pct"]],
        "toast_latency_s": summary(toast_lat),
        "webhook_latency_s": summary(hook_lat),
        "storm_toast_latency_s": summary(storm_toast_lat),
        "storm_hosts": storm,
        "storm_firings_delivered": storm_events,
        "storm_messages": len(storm_messages),
        "storm_max_messages_per_window": max(windows.values(), default=0),
        "ack_lag_s": summary(merged["lags"]),
        "samples_sent": merged["sent"],
        "samples_acked": merged["acked"],
        "errors": merged["error_examples"],
        "watcher_error": watcher.error if watcher else "",
    }


def render(result: dict[str, Any]) -> str:
    extra = result["extra_cpu_pct"]
    toast, hook, lag = result["toast_latency_s"], result["webhook_latency_s"], result["ack_lag_s"]
    rows = [
        Row(
            "hub CPU % of a core, rules off / on",
            f"{result['hub_cpu_pct_without_rules']} / {result['hub_cpu_pct_with_rules']}",
            "",
            "",
        ),
        Row(
            "extra hub CPU %",
            extra,
            "",
            "",
            f"<= {MAX_EXTRA_CPU_PCT:g}",
            verdict(extra is not None and extra <= MAX_EXTRA_CPU_PCT),
        ),
        Row(
            "breach -> toast p50 / p99 s",
            f"{toast['p50']} / {toast['p99']}",
            "",
            "",
            f"p99 < {MAX_TOAST_P99_S:g}",
            verdict(toast["p99"] is not None and toast["p99"] < MAX_TOAST_P99_S),
        ),
        Row(
            "breach -> webhook p50 / p99 s",
            f"{hook['p50']} / {hook['p99']}",
            "",
            "",
            f"p99 < {MAX_WEBHOOK_P99_S:g}",
            verdict(hook["p99"] is not None and hook["p99"] < MAX_WEBHOOK_P99_S),
        ),
        Row(
            f"storm of {result['storm_hosts']}: webhook messages (max per {GROUP_SECONDS:g} s window)",
            f"{result['storm_messages']} ({result['storm_max_messages_per_window']})",
            "",
            "",
            "<= 1 per window",
            verdict(result["storm_max_messages_per_window"] <= 1),
        ),
        Row("storm firings delivered by webhook", result["storm_firings_delivered"], "", ""),
        Row(
            "storm: breach -> toast p50 / p99 s",
            f"{result['storm_toast_latency_s']['p50']} / {result['storm_toast_latency_s']['p99']}",
            "",
            "",
        ),
        Row(
            "ingest ack lag p99 / max s",
            f"{lag['p99']} / {lag['max']}",
            "",
            "",
            f"< {MAX_ACK_LAG_S:g}",
            verdict(lag["max"] is not None and lag["max"] < MAX_ACK_LAG_S),
        ),
    ]
    rules = result["rules"]
    title = (
        f"Alerts ({result['agents']} agents at 1 Hz; {rules['default']} default + {rules['custom']} custom "
        f"rules + 1 benchmark rule; {result['phase_seconds']:g} s per phase)"
    )
    text = table(title, rows, "none")
    if result["errors"] or result["watcher_error"]:
        text += f"\nerrors: {result['errors']} {result['watcher_error']}"
    return text
