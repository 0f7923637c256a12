#!/usr/bin/env python3
"""Summarizes a bench/run.sh results folder: summary.json + summary.md (printed).

  report.py <dir>                      write the summary
  report.py --check-capacity <dir> R   exit 1 when the R-room run of our server is saturated
"""
import glob
import json
import os
import re
import sys


def load(folder):
    """(target, rooms) -> the run with the median CPU per forwarded packet (the lower one of the
    middle two for an even count) among its repeats (<target>-r<R>.json, <target>-r<R>-<k>.json),
    with "cpu_runs" listing every repeat's figure in the order they ran."""
    groups = {}
    for path in glob.glob(os.path.join(folder, "*-r*.json")):
        m = re.match(r"(relay|sfu|janus)-r(\d+)(?:-(\d+))?\.json$", os.path.basename(path))
        if not m:
            continue
        with open(path) as f:
            run = json.load(f)
        groups.setdefault((m.group(1), int(m.group(2))), []).append((int(m.group(3) or 1), run))
    runs = {}
    for key, reps in groups.items():
        reps.sort(key=lambda kr: kr[0])
        order = [r for _, r in reps]
        ranked = sorted(order, key=lambda r: r.get("cpu_s_per_million_forwarded") or float("inf"))
        chosen = dict(ranked[(len(ranked) - 1) // 2])
        chosen["cpu_runs"] = [r.get("cpu_s_per_million_forwarded") for r in order]
        runs[key] = chosen
    return runs


def ratio(a, b):
    if a is None or b is None or a <= 0 or b <= 0:
        return None
    return a / b


def saturated(runs, rooms):
    ours = runs.get(("sfu", rooms))
    relay = runs.get(("relay", rooms))
    if not ours:
        return True
    if ours["media_flowing"] < ours["participants"] or ours["loss"] > 0.02:
        return True
    if relay and ours["forwarded_pps"] < 0.9 * relay["forwarded_pps"]:
        return True
    return False


def marginal_rss(rows):
    """Per target: slope of total RSS growth against participants over the loss-free runs."""
    out = {}
    for target in ("relay", "sfu", "janus"):
        pts = [(r["participants"], r["rss_per_participant_kb"] * r["participants"], r["rooms"])
               for r in rows if r["target"] == target and r["rss_per_participant_kb"] not in (None, -1)
               and r["loss"] is not None and r["loss"] < 0.001 and r["flowing"] == r["participants"]]
        if len(pts) < 2:
            continue
        n = len(pts)
        mx = sum(p[0] for p in pts) / n
        my = sum(p[1] for p in pts) / n
        sxx = sum((p[0] - mx) ** 2 for p in pts)
        if sxx == 0:
            continue
        slope = sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx
        out[target] = {"kb": slope, "rooms": [p[2] for p in pts]}
    return out


def paired(rows):
    """Per room count: our CPU per forwarded packet ÷ the relay's, and Janus's ÷ ours, repeat by
    repeat (repeat k of each target ran back to back, within a minute), with their medians. A
    slow drift of the machine's speed moves both runs of a pair alike, so these spread less than
    the ratio of the two targets' medians, which may pair a fast minute with a slow one."""
    by = {(r["target"], r["rooms"]): r["cpu_runs"] for r in rows}
    out = []
    for rooms in sorted({r["rooms"] for r in rows}):
        entry = {"rooms": rooms}
        for name, num, den in (("ours_vs_relay", "sfu", "relay"), ("janus_vs_ours", "janus", "sfu")):
            a, b = by.get((num, rooms)), by.get((den, rooms))
            if not a or not b or len(a) != len(b):
                continue
            ratios = [ratio(x, y) for x, y in zip(a, b)]
            if any(v is None for v in ratios):
                continue
            ranked = sorted(ratios)
            mid = len(ranked) // 2
            median = ranked[mid] if len(ranked) % 2 else (ranked[mid - 1] + ranked[mid]) / 2
            entry[name] = {"each": ratios, "median": median}
        if len(entry) > 1:
            out.append(entry)
    return out


def fmt(v, spec):
    return "–" if v is None or v == -1 else format(v, spec)


def main():
    if sys.argv[1] == "--check-capacity":
        sys.exit(1 if saturated(load(sys.argv[2]), int(sys.argv[3])) else 0)
    folder = sys.argv[1]
    runs = load(folder)
    rows = []
    for rooms in sorted({r for _, r in runs}):
        for target in ("relay", "sfu", "janus"):
            run = runs.get((target, rooms))
            if not run:
                continue
            base = runs.get(("relay", rooms), {})
            ours = runs.get(("sfu", rooms), {})
            cpu = run.get("cpu_s_per_million_forwarded")
            row = {
                "target": target,
                "rooms": rooms,
                "participants": run["participants"],
                "flowing": run["media_flowing"],
                "forwarded_pps": run["forwarded_pps"],
                "forwarded_mbps": run["forwarded_mbps"],
                "cpu_s_per_mpkt": cpu,
                "cpu_runs": run.get("cpu_runs", [cpu]),
                "cpu_vs_relay": ratio(cpu, base.get("cpu_s_per_million_forwarded")),
                "cpu_vs_ours": ratio(cpu, ours.get("cpu_s_per_million_forwarded")),
                "server_cpu_pct": run["server_cpu_pct"],
                "rss_per_participant_kb": run["rss_per_participant_kb"],
                "rss_vs_ours": ratio(run["rss_per_participant_kb"], ours.get("rss_per_participant_kb")),
                "latency_us": run["latency_us"],
                "loss": run["loss"],
                "join_ms": run["join_ms"],
                "allocs_per_forwarded_packet": run.get("allocs_per_forwarded_packet"),
                "worker_allocs_per_forwarded_packet": run.get("worker_allocs_per_forwarded_packet"),
                "errors": run["errors"],
            }
            rows.append(row)
    summary = {"runs": rows}
    machine = os.path.join(folder, "machine.txt")
    if os.path.exists(machine):
        with open(machine) as f:
            summary["machine"] = f.read().strip().splitlines()
    with open(os.path.join(folder, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    lines = [
        "| target | rooms×P | flowing | fwd pkt/s | fwd Mbit/s | server CPU % | CPU s / M fwd pkts"
        " | ×relay | ×ours | RSS/participant KiB | lat p50/p99/p99.9 µs | loss | join p50/max ms"
        " | allocs/fwd pkt | worker allocs/fwd pkt | CPU s / M, every repeat |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lat = r["latency_us"]
        lines.append(
            "| {t} | {rooms}×{p} | {fl} | {pps} | {mbps} | {cpu} | {cpm} | {vr} | {vo} | {rss} | {l50}/{l99}/{l999} | {loss} | {j50}/{jmax} | {al} | {wal} | {reps} |".format(
                t=r["target"], rooms=r["rooms"], p=r["participants"] // r["rooms"], fl=r["flowing"],
                pps=fmt(r["forwarded_pps"], ".0f"), mbps=fmt(r["forwarded_mbps"], ".1f"),
                cpu=fmt(r["server_cpu_pct"], ".0f"), cpm=fmt(r["cpu_s_per_mpkt"], ".2f"),
                vr=fmt(r["cpu_vs_relay"], ".2f"), vo=fmt(r["cpu_vs_ours"], ".2f"),
                rss=fmt(r["rss_per_participant_kb"], ".0f"),
                l50=fmt(lat["p50"], ".0f"), l99=fmt(lat["p99"], ".0f"), l999=fmt(lat["p999"], ".0f"),
                loss=fmt(100 * r["loss"], ".2f") + " %",
                j50=fmt(r["join_ms"]["p50"], ".0f"), jmax=fmt(r["join_ms"]["max"], ".0f"),
                al=fmt(r["allocs_per_forwarded_packet"], ".4f"),
                wal=fmt(r["worker_allocs_per_forwarded_packet"], ".4f"),
                reps=" ".join(fmt(c, ".2f") for c in r["cpu_runs"])))
    md = "\n".join(lines) + "\n"
    slopes = marginal_rss(rows)
    if slopes:
        summary["marginal_rss_kb_per_participant"] = slopes
        md += ("\nMarginal RSS per participant (least-squares slope of RSS growth over participants,"
               " runs without loss; fixed start-up costs excluded):\n\n| target | KiB/participant |"
               " rooms used |\n|---|---|---|\n")
        for t, v in slopes.items():
            md += "| {} | {:.0f} | {} |\n".format(t, v["kb"], ", ".join(map(str, v["rooms"])))
        with open(os.path.join(folder, "summary.json"), "w") as f:
            json.dump(summary, f, indent=2)
    pairs = paired(rows)
    if pairs:
        summary["paired_ratios"] = pairs
        md += ("\nRatios repeat by repeat (each pair of runs back to back; median of the pairs):\n\n"
               "| rooms | ours ÷ relay, each repeat | median | Janus ÷ ours, each repeat | median |\n"
               "|---|---|---|---|---|\n")
        for e in pairs:
            cells = []
            for name in ("ours_vs_relay", "janus_vs_ours"):
                v = e.get(name)
                cells += ([" ".join(fmt(x, ".2f") for x in v["each"]), fmt(v["median"], ".2f")]
                          if v else ["–", "–"])
            md += "| {} | {} |\n".format(e["rooms"], " | ".join(cells))
        with open(os.path.join(folder, "summary.json"), "w") as f:
            json.dump(summary, f, indent=2)
    if "machine" in summary:
        md += "\n" + "\n".join("- " + l for l in summary["machine"]) + "\n"
    with open(os.path.join(folder, "summary.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
