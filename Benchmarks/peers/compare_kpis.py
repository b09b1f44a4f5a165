#!/usr/bin/env python3
"""Do Binoculars and the SimPy twin give the same KPIs? Runs several seeds of each and compares.

    Benchmarks/peers/compare_kpis.py [--seeds 10] [--first-seed 1] [--jobs 2] [--work DIR]
    Benchmarks/peers/compare_kpis.py --reuse DIR [DIR…]  # compare runs already there, pooled

Binoculars runs reference.yaml (`binoculars run --seed S --replications N`, summary.json per
seed); SimPy runs reference_simpy.py once per seed. The same seed number drives different
generators in the two, so the runs are independent replications. For each KPI the table gives
each side's mean with its 95 % confidence interval (Student t over the seeds), the difference,
and whether the two agree: Welch's two-sample t-test at the 5 % level, i.e. the difference is
inside its own 95 % interval. With ten KPIs, one "DIFFERS" in about every two tables is
expected by chance alone; a KPI that differs on every set of seeds is a modelling difference.
Exit status: 0 when every KPI agrees, 1 otherwise.
"""

import argparse
import concurrent.futures
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

# Student t, 97.5th percentile, by degrees of freedom (1-30); beyond 30 by interpolation in 1/df.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042]


def t975(df):
    if df <= 1:
        return T975[0]
    if df < 30:
        low = int(math.floor(df))
        frac = df - low
        return T975[low - 1] + frac * (T975[low] - T975[low - 1])
    # between df = 30 (2.042) and infinity (1.960), linear in 1/df
    return 1.960 + (2.042 - 1.960) * 30 / df


def kpis(summary):
    """The compared KPIs from a Binoculars summary.json or a SimPy summary (same field names)."""
    k = summary["kpis"]
    hours = (summary["simulatedSeconds"] - summary["warmUpSeconds"]) / 3600
    return {
        "offered (after warm-up)": k["offered"],
        "conversations handled": k["answered"],
        "service level (60 s)": k["serviceLevel"],
        "ASA (s)": k["averageSpeedOfAnswerSeconds"],
        "P(wait)": k["probabilityOfWaiting"],
        "abandonment rate": k["abandonmentRate"],
        "occupancy": k["occupancy"],
        "monitor attempts / h": k["monitorAttempts"] / hours,
        "monitor grants / h": k["monitorGrants"] / hours,
        "contention rate": summary["contentionRate"],
    }


def run_binoculars(binary, seeds, first, jobs, out):
    subprocess.run([binary, "run", os.path.join(HERE, "reference.yaml"), "--seed", str(first),
                    "--replications", str(seeds), "--jobs", str(jobs), "--out", out],
                   check=True, stdout=subprocess.DEVNULL)


def run_simpy(seeds, first, jobs, out):
    os.makedirs(out, exist_ok=True)

    def one(seed):
        subprocess.run([sys.executable, os.path.join(HERE, "reference_simpy.py"), "--seed", str(seed),
                        "--out", os.path.join(out, f"{seed}.json")], check=True, stdout=subprocess.DEVNULL)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, range(first, first + seeds)))


def load(work):
    binoculars, simpy = [], []
    folder = os.path.join(work, "binoculars", "reference")
    # Seed folders only: `binoculars run` also writes the scenario's report (report.html, tables/, …) beside them.
    for seed in sorted((name for name in os.listdir(folder) if name.isdigit()), key=int):
        with open(os.path.join(folder, seed, "summary.json")) as f:
            summary = json.load(f)
        if not summary["invariants"]["held"]:
            sys.exit(f"Binoculars seed {seed}: an invariant failed")
        binoculars.append(kpis(summary))
    folder = os.path.join(work, "simpy")
    for name in sorted(os.listdir(folder), key=lambda n: int(n.split(".")[0])):
        with open(os.path.join(folder, name)) as f:
            simpy.append(kpis(json.load(f)["summary"]))
    return binoculars, simpy


def describe(values):
    n = len(values)
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if n > 1 else 0.0
    return mean, sd, n, t975(n - 1) * sd / math.sqrt(n) if n > 1 else float("inf")


def fmt(value, name):
    if name.startswith(("offered", "conversations")):
        return f"{value:.0f}"
    if "/ h" in name or name.startswith("ASA"):
        return f"{value:.2f}"
    return f"{value:.4f}"


def compare(binoculars, simpy):
    rows = [("KPI", "Binoculars mean ± 95% CI", "SimPy mean ± 95% CI", "difference", "± (95%)", "verdict")]
    all_agree = True
    for name in binoculars[0]:
        b_mean, b_sd, b_n, b_ci = describe([run[name] for run in binoculars])
        s_mean, s_sd, s_n, s_ci = describe([run[name] for run in simpy])
        b_var, s_var = b_sd ** 2 / b_n, s_sd ** 2 / s_n
        se = math.sqrt(b_var + s_var)
        # Welch–Satterthwaite degrees of freedom
        df = (b_var + s_var) ** 2 / ((b_var ** 2 / (b_n - 1)) + (s_var ** 2 / (s_n - 1))) if se > 0 else 1e9
        half = t975(df) * se
        diff = b_mean - s_mean
        agrees = abs(diff) <= half
        all_agree &= agrees
        rows.append((name, f"{fmt(b_mean, name)} ± {fmt(b_ci, name)}", f"{fmt(s_mean, name)} ± {fmt(s_ci, name)}",
                     f"{diff:+.4g}", f"{half:.3g}", "agrees" if agrees else "DIFFERS"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print(f"{len(binoculars)} Binoculars seeds, {len(simpy)} SimPy seeds")
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    print("every KPI agrees" if all_agree else "some KPI differs (see README: what remains different)")
    return all_agree


def main():
    parser = argparse.ArgumentParser(description="Compare the KPIs of Binoculars and the SimPy twin over several seeds.")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--binoculars", default=os.path.join(ROOT, ".build", "release", "binoculars"))
    parser.add_argument("--work", help="where to keep the runs (default: a temporary directory)")
    parser.add_argument("--reuse", nargs="+", metavar="DIR",
                        help="compare the runs already in these directories (earlier --work), pooled")
    arguments = parser.parse_args()
    if arguments.reuse:
        binoculars, simpy = [], []
        for work in arguments.reuse:
            b, s = load(work)
            binoculars += b
            simpy += s
        return 0 if compare(binoculars, simpy) else 1
    work = arguments.work or tempfile.mkdtemp(prefix="binoculars-peers-")
    run_binoculars(arguments.binoculars, arguments.seeds, arguments.first_seed, arguments.jobs,
                   os.path.join(work, "binoculars"))
    run_simpy(arguments.seeds, arguments.first_seed, arguments.jobs, os.path.join(work, "simpy"))
    print(f"runs in {work}")
    binoculars, simpy = load(work)
    return 0 if compare(binoculars, simpy) else 1


if __name__ == "__main__":
    sys.exit(main())
