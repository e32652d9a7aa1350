#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vireo-perf's sleep-when-idle mode end to end, on the host.

    perf_sleep_test.py VIREO_PERF NET_VIREO_PLUGIN

Sender: vireo-perf with DPDK's net_vhost (the vhost-user backend), txonly,
--rate 20000 --tx-count 40000 (a low rate: 2 s of traffic). Receiver:
vireo-perf with net_vireo_user on that socket, rxonly --idle sleep, run
longer than the traffic. Checks: every packet sent arrived (the receiver's
count, its final drain included, equals the sender's); the receiver's lcore
slept and rx interrupts woke it; it used well under half a CPU over its
window (busy polling uses all of it); the sender kept to its rate.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

RATE = 20000
COUNT = 40000


def fail(msg, *logs):
    print("FAIL: " + msg)
    for path in logs:
        if os.path.exists(path):
            print("---- %s" % path)
            with open(path) as f:
                print(f.read()[-4000:])
    sys.exit(1)


def main():
    exe, plugin = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="vireo-sleep-")
    sock = os.path.join(tmp, "vhost.sock")
    snd_json, rcv_json = os.path.join(tmp, "snd.json"), os.path.join(tmp, "rcv.json")
    snd_log, rcv_log = os.path.join(tmp, "snd.log"), os.path.join(tmp, "rcv.log")
    eal = ["--no-pci", "--no-huge", "-m", "256", "--no-telemetry", "--log-level=error"]
    # Sender lcores on CPU 0, the receiver's forwarding lcore on CPU 1.
    snd = [exe, "--lcores", "0@0,1@0", "--file-prefix", "vsleep-s%d" % os.getpid()] + eal + [
        "--vdev", "net_vhost0,iface=%s,queues=1" % sock, "--",
        "--forward-mode", "txonly", "--rate", str(RATE), "--tx-count", str(COUNT),
        "--duration", "9", "--stats-period", "0", "--json", snd_json]
    rcv = [exe, "--lcores", "0@0,1@1", "--file-prefix", "vsleep-r%d" % os.getpid(),
           "--iova-mode=va", "-d", plugin] + eal + [
        "--vdev", "net_vireo_user0,path=%s" % sock, "--",
        "--forward-mode", "rxonly", "--idle", "sleep", "--duration", "5",
        "--stats-period", "1", "--json", rcv_json]
    with open(snd_log, "w") as out:
        sender = subprocess.Popen(snd, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(sock) or sender.poll() is not None:
            break
        time.sleep(0.1)
    if not os.path.exists(sock):
        sender.kill()
        fail("the sender made no socket", snd_log)
    with open(rcv_log, "w") as out:
        rc = subprocess.call(rcv, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, timeout=60)
    if rc != 0:
        sender.kill()
        fail("receiver exited %d" % rc, rcv_log, snd_log)
    if sender.wait(timeout=60) != 0:
        fail("sender exited %d" % sender.returncode, snd_log)
    with open(snd_json) as f:
        s = json.load(f)
    with open(rcv_json) as f:
        r = json.load(f)
    sent = s["ports"][0]["lifetime"]["tx_packets"]
    life = r["ports"][0]["lifetime"]
    got = life["rx_packets"] + life["rx_drained"]
    lc = r["lcores"][0]
    print("sent %d at %.0f pps; received %d; receiver lcore: %s, cpu %.3f s of %.3f s "
          "(%.1f %%), %d sleeps, %d woken by rx"
          % (sent, s["total"]["tx_pps"], got, lc["idle"], lc["cpu_seconds"], lc["duration"],
             100 * lc["cpu_util"], lc["sleeps"], lc["wakeups"]))
    if sent != COUNT:
        fail("the sender sent %d of %d in its run" % (sent, COUNT), snd_log)
    if got != sent:
        fail("received %d of %d" % (got, sent), rcv_log, snd_log)
    if lc["idle"] != "sleep" or lc["sleeps"] == 0 or lc["wakeups"] == 0:
        fail("the receiver did not sleep on rx interrupts", rcv_log)
    if lc["cpu_util"] >= 0.5:
        fail("the receiver used %.0f %% of a CPU: spinning" % (100 * lc["cpu_util"]), rcv_log)
    if s["total"]["tx_pps"] > 1.2 * RATE:
        fail("sender above its rate: %.0f pps" % s["total"]["tx_pps"], snd_log)
    print("PASS")


if __name__ == "__main__":
    main()
