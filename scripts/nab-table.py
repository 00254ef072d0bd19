#!/usr/bin/env python3
"""Formats `tinyae eval --json --reference ...` outputs of NAB series as the markdown tables of
docs/TIMESERIES.md (scripts/nab-report.sh runs it). Standard library only."""
import json
import os
import sys

REFERENCES = ["ARTime", "numenta", "contextOSE", "htmjava"]


def f(v, fmt="{:.1f}"):
    return "-" if v is None else fmt.format(v)


def main(paths):
    print("| series (test part) | | ROC-AUC | windows detected | false-alarm events | NAB standard | low FP | low FN |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for path in paths:
        j = json.load(open(path))
        name = os.path.basename(path).replace(".eval.json", "")
        e = j["events"]
        ae, pca, rnd = e["autoencoder"], e["pca"], e["random_placement"]
        nab = lambda d, p: d["nab"][p]["normalized"]
        n = len(ae["windows"])
        profiles = ["standard", "reward_low_FP_rate", "reward_low_FN_rate"]
        window = f"{e['window']} readings"
        print(f"| {name} ({window}) | autoencoder | {f(j['roc_auc'], '{:.3f}')} | {ae['detected']} of {n} | "
              f"{ae['false_alarm_events']} | " + " | ".join(f(nab(ae, p)) for p in profiles) + " |")
        print(f"| | PCA | {f(j['pca_baseline']['roc_auc'], '{:.3f}')} | {pca['detected']} of {n} | "
              f"{pca['false_alarm_events']} | " + " | ".join(f(nab(pca, p)) for p in profiles) + " |")
        print(f"| | random placement ({rnd['alarms']} alarms) | | {rnd['expected_detected']:.2f} expected | "
              f"{rnd['false_alarm_events']:.1f} | " + " | ".join(f(rnd['nab'][p]['normalized']) for p in profiles) + " |")
        for r in j.get("nab_reference") or []:
            if r["detector"] not in REFERENCES:
                continue
            pub = r["published_whole_series"]["standard"]
            pub = f" (whole series: {pub:.1f})" if pub is not None else ""
            print(f"| | NAB {r['detector']}{pub} | | {r['detected']} of {r['windows']} | "
                  f"{r['false_alarm_events']} | " + " | ".join(f(r['nab'][p]) for p in profiles) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
