#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run vireo-perf once and check what it reports.

    perf_check.py --exe VIREO_PERF [--check NAME ...] [--expect-fail RE]
                  [--expect-output RE ...] [--fwd-lcores N]
                  [--signal-after S] -- EAL_ARGS -- APP_ARGS

--json is added to APP_ARGS. Checks (repeatable):
  sane      figures are consistent with each other and with the config;
            the per-stream figures add up to the per-port ones
  txonly    only tx counted; tx_bytes == tx_packets * pkt_size
  rxonly    only rx counted
  flowing   every port received and transmitted
  conserve  no silent loss on loopback ports (net_ring): per port, what was
            sent equals what was received plus what the final drain found;
            the app's counts equal the driver's (ethdev) counts
  paired    io between two ports with --tx-first: what port B sent equals
            what port A received plus the tx-first bursts (one per queue),
            and vice versa
  streams   every stream moved packets (each rx stream received, each tx
            stream sent): several streams on one lcore are all polled
  signal    the run was stopped by the signal and still reported figures
  warmup    the measured window excludes the warm-up
--expect-fail RE: the run must exit non-zero and print RE (a regex).
--expect-output RE: a successful run must print RE (repeatable).
--fwd-lcores N: N forwarding lcores ran the streams, dealt round-robin
  (stream i on the (i mod N)-th of them).
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

COUNTERS = ["rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "drops",
            "imissed", "tx_unsent", "errors", "ierrors", "oerrors",
            "rx_nombuf", "tx_alloc_fail"]
RATES = ["rx_pps", "tx_pps", "rx_bps", "tx_bps", "rx_wire_bps", "tx_wire_bps"]

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def close(a, b, rel=1e-6, abs_=1e-6):
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


def app_opt(app, name, default=None):
    """Value of --name in app args (both '--name v' and '--name=v')."""
    for i, a in enumerate(app):
        if a == "--" + name and i + 1 < len(app):
            return app[i + 1]
        if a.startswith("--" + name + "="):
            return a.split("=", 1)[1]
    return default


def check_figs(where, f, dur):
    for k in COUNTERS:
        check(isinstance(f.get(k), int) and f[k] >= 0,
              f"{where}: {k} missing or negative: {f.get(k)}")
    for k in RATES:
        check(isinstance(f.get(k), (int, float)) and f[k] >= 0,
              f"{where}: {k} missing or negative: {f.get(k)}")
    if failures:
        return
    d = f["duration"]
    check(d > 0, f"{where}: duration {d}")
    for dirn in ("rx", "tx"):
        pk, by = f[dirn + "_packets"], f[dirn + "_bytes"]
        check(close(f[dirn + "_pps"], pk / d, 1e-3),
              f"{where}: {dirn}_pps {f[dirn + '_pps']} != {pk}/{d}")
        check(close(f[dirn + "_bps"], by * 8 / d, 1e-3),
              f"{where}: {dirn}_bps inconsistent")
        check(close(f[dirn + "_wire_bps"], (by + 24 * pk) * 8 / d, 1e-3),
              f"{where}: {dirn}_wire_bps inconsistent")
        check(by >= pk * 60 or pk == 0, f"{where}: {dirn} bytes {by} < 60 * {pk}")
    check(f["drops"] == f["imissed"] + f["tx_unsent"], f"{where}: drops sum")
    check(f["errors"] == f["ierrors"] + f["oerrors"], f"{where}: errors sum")
    if dur:
        check(0.9 * dur <= d <= dur + 1.0,
              f"{where}: measured {d:.3f} s for --duration {dur}")


def check_sane(doc, app):
    check(doc.get("tool") == "vireo-perf", "tool field")
    check(doc.get("mode") == "net", "mode field")
    check(doc.get("tsc_hz", 0) > 0, "tsc_hz")
    cfg = doc.get("config", {})
    pkt = int(app_opt(app, "pkt-size", 64))
    check(cfg.get("pkt_size") == pkt and doc.get("pkt_size") == pkt,
          "config echo pkt_size")
    check(cfg.get("burst") == int(app_opt(app, "burst", 32)), "config echo burst")
    dur = float(app_opt(app, "duration", 0))
    check(cfg.get("duration") == dur, "config echo duration")
    ports = doc.get("ports", [])
    check(len(ports) > 0, "no ports in JSON")
    check(isinstance(doc.get("driver"), str) and doc["driver"], "driver field")
    for p in ports:
        for k in ("port", "name", "driver", "mac", "forward_mode", "rxd",
                  "txd", "lifetime"):
            check(k in p, f"port field {k} missing")
        check_figs(f"port {p.get('port')}", p,
                   0 if doc.get("stopped_by_signal") else dur)
    check_stream_sums(doc)
    tot = doc.get("total", {})
    check_figs("total", tot, 0 if doc.get("stopped_by_signal") else dur)
    for k in COUNTERS:
        check(tot.get(k) == sum(p.get(k, 0) for p in ports),
              f"total {k} != sum of ports")


def check_stream_sums(doc):
    """Port figures are sums over the streams (same snapshots)."""
    streams = doc.get("streams")
    check(isinstance(streams, list) and streams, "no streams in JSON")
    if not streams:
        return
    check(len(streams) == doc["net"]["streams"], "streams count")
    check(len({s["lcore"] for s in streams}) == doc["net"]["fwd_lcores"],
          "fwd_lcores != distinct stream lcores")
    for p in doc["ports"]:
        n = p["port"]
        for d in ("rx", "tx"):
            for k in (d + "_packets", d + "_bytes"):
                got = sum(s[k] for s in streams if s.get(d + "_port") == n)
                check(got == p[k], f"port {n}: {k} {p[k]} != streams' {got}")


def check_streams(doc, app):
    for s in doc["streams"]:
        where = f"stream {s['stream']} (lcore {s['lcore']})"
        if "rx_port" in s:
            check(s["rx_packets"] > 0, f"{where}: nothing received")
        if "tx_port" in s:
            check(s["tx_packets"] > 0, f"{where}: nothing sent")


def check_fwd_lcores(doc, n):
    streams = doc["streams"]
    check(doc["net"]["fwd_lcores"] == n,
          f"fwd_lcores {doc['net']['fwd_lcores']}, expected {n}")
    order = []
    for s in streams:  # lcores in order of first use = dealing order
        if s["lcore"] not in order:
            order.append(s["lcore"])
    for i, s in enumerate(streams):
        check(s["lcore"] == order[i % len(order)],
              f"stream {i} on lcore {s['lcore']}, round-robin wants "
              f"{order[i % len(order)]}")


def check_txonly(doc, app):
    pkt = doc["pkt_size"]
    for p in doc["ports"]:
        check(p["tx_packets"] > 0, f"port {p['port']}: nothing sent")
        check(p["rx_packets"] == 0, f"port {p['port']}: txonly received")
        check(p["tx_bytes"] == p["tx_packets"] * pkt,
              f"port {p['port']}: tx_bytes != tx_packets * {pkt}")


def check_rxonly(doc, app):
    for p in doc["ports"]:
        check(p["rx_packets"] > 0, f"port {p['port']}: nothing received")
        check(p["tx_packets"] == 0, f"port {p['port']}: rxonly sent")


def check_flowing(doc, app):
    for p in doc["ports"]:
        check(p["rx_packets"] > 0 and p["tx_packets"] > 0,
              f"port {p['port']}: rx {p['rx_packets']} tx {p['tx_packets']}")


def check_conserve(doc, app):
    for p in doc["ports"]:
        lt = p["lifetime"]
        n = p["port"]
        check(lt["tx_packets"] > 0, f"port {n}: nothing sent")
        check(lt["tx_unsent"] == 0 and p["drops"] == 0,
              f"port {n}: drops on a loopback ring")
        check(lt["tx_packets"] == lt["rx_packets"] + lt["rx_drained"],
              f"port {n}: sent {lt['tx_packets']} != received "
              f"{lt['rx_packets']} + drained {lt['rx_drained']}")
        check(lt["eth_opackets"] == lt["tx_packets"],
              f"port {n}: ethdev opackets {lt['eth_opackets']} != app "
              f"{lt['tx_packets']}")
        check(lt["eth_ipackets"] == lt["rx_packets"] + lt["rx_drained"],
              f"port {n}: ethdev ipackets {lt['eth_ipackets']} != app "
              f"{lt['rx_packets']} + {lt['rx_drained']}")


def check_paired(doc, app):
    burst = doc["config"]["burst"] * doc["config"]["rxq"]
    ports = doc["ports"]
    check(len(ports) == 2, "paired check needs two ports")
    if len(ports) != 2:
        return
    for a, b in ((ports[0], ports[1]), (ports[1], ports[0])):
        rx_a = a["lifetime"]["rx_packets"]
        tx_b = b["lifetime"]["tx_packets"]
        check(tx_b == rx_a + burst,
              f"port {b['port']} sent {tx_b}, port {a['port']} received "
              f"{rx_a} (+ {burst} tx-first)")


def check_signal(doc, app):
    check(doc.get("stopped_by_signal") is True, "stopped_by_signal not set")
    check(doc["total"]["duration"] > 0.3, "no measured time before signal")


def check_warmup(doc, app):
    for p in doc["ports"]:
        check(p["lifetime"]["tx_packets"] > p["tx_packets"] > 0 or
              p["lifetime"]["rx_packets"] > p["rx_packets"] > 0,
              f"port {p['port']}: window does not exclude warm-up")


def check_tx_count(doc, app):
    want = doc["config"]["tx_count"]
    for p in doc["ports"]:
        got = p["lifetime"]["tx_packets"]
        check(got == want, f"port {p['port']}: sent {got}, --tx-count {want}")


CHECKS = {"sane": check_sane, "txonly": check_txonly, "rxonly": check_rxonly,
          "flowing": check_flowing, "conserve": check_conserve,
          "paired": check_paired, "signal": check_signal,
          "warmup": check_warmup, "tx_count": check_tx_count,
          "streams": check_streams}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exe", required=True)
    ap.add_argument("--check", action="append", default=[],
                    choices=sorted(CHECKS))
    ap.add_argument("--expect-fail")
    ap.add_argument("--expect-output", action="append", default=[])
    ap.add_argument("--fwd-lcores", type=int)
    ap.add_argument("--signal-after", type=float)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("rest", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    rest = a.rest[1:] if a.rest[:1] == ["--"] else a.rest
    if "--" in rest:
        i = rest.index("--")
        eal, app = rest[:i], rest[i + 1:]
    else:
        eal, app = rest, []

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "perf.json")
        cmd = [a.exe] + eal + ["--"] + app
        if not a.expect_fail:
            cmd += ["--json", out]
        print("+", " ".join(cmd), flush=True)
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        head = ""
        if a.signal_after:
            # From the start of forwarding, not of the process: EAL init
            # alone can take seconds on a loaded machine.
            for line in proc.stdout:
                head += line
                if line.startswith("forwarding:"):
                    break
            time.sleep(a.signal_after)
            proc.send_signal(signal.SIGINT)
        try:
            text, _ = proc.communicate(timeout=a.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            text, _ = proc.communicate()
            print(head + text)
            print("FAIL: vireo-perf did not finish")
            return 1
        text = head + text
        print(text)
        if a.expect_fail:
            if proc.returncode == 0:
                print("FAIL: expected a non-zero exit")
                return 1
            if not re.search(a.expect_fail, text):
                print(f"FAIL: output lacks /{a.expect_fail}/")
                return 1
            print(f"ok: exit {proc.returncode} with /{a.expect_fail}/")
            return 0
        if proc.returncode != 0:
            print(f"FAIL: exit {proc.returncode}")
            return 1
        with open(out) as f:
            doc = json.load(f)
    for r in a.expect_output:
        check(re.search(r, text), f"output lacks /{r}/")
    for name in ["sane"] + a.check:
        CHECKS[name](doc, app)
        if failures:
            break
    if a.fwd_lcores is not None and not failures:
        check_fwd_lcores(doc, a.fwd_lcores)
    for m in failures:
        print("FAIL:", m)
    if not failures:
        print("ok:", ", ".join(["sane"] + a.check +
                               ["output /%s/" % r for r in a.expect_output] +
                               (["fwd_lcores %d" % a.fwd_lcores]
                                if a.fwd_lcores is not None else [])))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
