#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Plot Mpps against packet size, one line per driver, from vireo-perf runs.

    plot-perf.py RESULTS.jsonl -o OUT.png [--metric auto|rx|tx|max]
                 [--title TEXT] [--keep-data DIR]
    plot-perf.py --blk ROWS.jsonl -o OUT.png [--title TEXT] [--keep-data DIR]

RESULTS.jsonl holds one vireo-perf JSON document per line (jq -c . run.json
>> results.jsonl). Each row's "driver" and "pkt_size" place it (vireo-perf
writes both; a benchmark script may overwrite "driver" with its own label,
e.g. "vireo" / "upstream"). Several rows for one (driver, size) are reduced
to their median. Metric (Mpps of the "total" figures):
  auto  rx_pps, or tx_pps when nothing was received (txonly)   [default]
  rx, tx, max(rx, tx)
--blk (storage, `vireo bench blk`): rows {"tool", "panel", "iodepth",
"iops"}; one panel per "panel" (e.g. "null randread"), a line per tool,
kIOPS against iodepth.
Needs gnuplot (gnuplot-nox). Prints the table it plotted.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


def metric_of(doc, metric):
    tot = doc.get("total", {})
    rx, tx = float(tot.get("rx_pps", 0)), float(tot.get("tx_pps", 0))
    if metric == "rx":
        v = rx
    elif metric == "tx":
        v = tx
    elif metric == "max":
        v = max(rx, tx)
    else:
        v = rx if rx > 0 else tx
    return v / 1e6


def load(path, metric):
    series = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                doc = json.loads(line)
                drv = str(doc["driver"])
                size = int(doc["pkt_size"])
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"{path}:{n}: not a vireo-perf row with driver "
                         f"and pkt_size ({e})")
            series.setdefault(drv, {}).setdefault(size, []).append(
                metric_of(doc, metric))
    if not series:
        sys.exit(f"{path}: no rows")
    return {d: sorted((s, statistics.median(v)) for s, v in sizes.items())
            for d, sizes in series.items()}


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plot(series, out, title, metric, datadir):
    files = []
    for i, (drv, pts) in enumerate(sorted(series.items())):
        fn = os.path.join(datadir, f"series{i}.dat")
        with open(fn, "w") as f:
            f.write(f"# {drv}: pkt_size Mpps\n")
            for s, v in pts:
                f.write(f"{s} {v:.6f}\n")
        files.append((drv, fn))
    script = [
        "set terminal pngcairo size 900,540 enhanced font 'sans,10'",
        f"set output {quote(out)}",
        f"set title {quote(title)} noenhanced",
        "set xlabel 'packet size (bytes, without FCS)'",
        f"set ylabel 'Mpps ({metric})'",
        "set grid",
        "set key bottom left box opaque noenhanced",
        "set logscale x 2",
        "set yrange [0:*]",
        "plot " + ", ".join(
            f"{quote(fn)} using 1:2 with linespoints lw 2 title {quote(d)}"
            for d, fn in files),
    ]
    sp = os.path.join(datadir, "plot.gp")
    with open(sp, "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", sp], check=True)


def load_blk(path):
    """{panel: {tool: [(iodepth, kIOPS median)]}} of storage rows."""
    panels = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                key = (str(r["panel"]), str(r["tool"]))
                qd, iops = int(r["iodepth"]), float(r["iops"])
            except (ValueError, KeyError, TypeError) as e:
                sys.exit(f"{path}:{n}: not a storage row with panel, tool, "
                         f"iodepth and iops ({e})")
            panels.setdefault(key[0], {}).setdefault(key[1], {}) \
                .setdefault(qd, []).append(iops / 1e3)
    if not panels:
        sys.exit(f"{path}: no rows")
    return {p: {t: sorted((q, statistics.median(v)) for q, v in qds.items())
                for t, qds in tools.items()} for p, tools in panels.items()}


def plot_blk(panels, out, title, datadir):
    names = sorted(panels)
    cols = 2 if len(names) > 1 else 1
    rows = (len(names) + cols - 1) // cols
    script = [
        "set terminal pngcairo size %d,%d enhanced font 'sans,10'"
        % (560 * cols, 380 * rows + 40),
        f"set output {quote(out)}",
        f"set multiplot layout {rows},{cols} title {quote(title)} noenhanced",
        "set xlabel 'iodepth'", "set ylabel 'kIOPS'", "set grid",
        "set key top left box opaque noenhanced", "set logscale x 2",
        "set yrange [0:*]",
    ]
    for i, name in enumerate(names):
        plots = []
        for j, (tool, pts) in enumerate(sorted(panels[name].items())):
            fn = os.path.join(datadir, f"panel{i}-{j}.dat")
            with open(fn, "w") as f:
                f.write(f"# {name} {tool}: iodepth kIOPS\n")
                for q, v in pts:
                    f.write(f"{q} {v:.3f}\n")
            plots.append(f"{quote(fn)} using 1:2 with linespoints lw 2 "
                         f"title {quote(tool)}")
        script += [f"set title {quote(name)} noenhanced",
                   "plot " + ", ".join(plots)]
    script.append("unset multiplot")
    sp = os.path.join(datadir, "plot.gp")
    with open(sp, "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", sp], check=True)


def main_blk(a):
    panels = load_blk(a.results)
    print(f"{'panel':<20} {'tool':<12} {'iodepth':>7} {'kIOPS':>9}")
    for p, tools in sorted(panels.items()):
        for t, pts in sorted(tools.items()):
            for q, v in pts:
                print(f"{p:<20} {t:<12} {q:>7} {v:>9.1f}")
    if a.keep_data:
        os.makedirs(a.keep_data, exist_ok=True)
        plot_blk(panels, a.output, a.title, a.keep_data)
    else:
        with tempfile.TemporaryDirectory() as d:
            plot_blk(panels, a.output, a.title, d)
    print(f"wrote {a.output}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--metric", choices=["auto", "rx", "tx", "max"],
                    default="auto")
    ap.add_argument("--title", default="vireo-perf: Mpps vs packet size")
    ap.add_argument("--keep-data", metavar="DIR",
                    help="keep the gnuplot data and script in DIR")
    ap.add_argument("--blk", action="store_true",
                    help="storage rows (vireo bench blk): kIOPS vs iodepth")
    a = ap.parse_args()
    if shutil.which("gnuplot") is None:
        sys.exit("gnuplot not found (apt-get install gnuplot-nox)")
    if a.blk:
        return main_blk(a)
    series = load(a.results, a.metric)
    print(f"{'driver':<20} {'pkt_size':>8} {'Mpps':>10}")
    for drv, pts in sorted(series.items()):
        for s, v in pts:
            print(f"{drv:<20} {s:>8} {v:>10.3f}")
    if a.keep_data:
        os.makedirs(a.keep_data, exist_ok=True)
        plot(series, a.output, a.title, a.metric, a.keep_data)
    else:
        with tempfile.TemporaryDirectory() as d:
            plot(series, a.output, a.title, a.metric, d)
    print(f"wrote {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
