#!/usr/bin/env python3
"""Extracts NAB's published results for the realKnownCause series into
data/nab/reference_results.json: per reference detector and profile, the threshold NAB
optimized for it, its published raw score per file, and the rows where it alarmed
(anomaly_score >= threshold, NAB's rule), so tinyae can check its NAB scorer against NAB's
numbers and score the reference detectors on tinyae's test parts.

Usage: scripts/nab-reference.py /path/to/numenta/NAB/checkout > data/nab/reference_results.json
(a `git archive` of numenta/NAB at ea702d75cc2258d9d7dd35ca8e5e2539d71f3140). Standard library only.
"""
import csv
import json
import os
import sys

PROFILES = ["standard", "reward_low_FP_rate", "reward_low_FN_rate"]
CATEGORY = "realKnownCause"


def main(nab):
    thresholds = json.load(open(os.path.join(nab, "config", "thresholds.json")))
    out = {"source": "numenta/NAB ea702d75cc2258d9d7dd35ca8e5e2539d71f3140, results/ and "
                     "config/thresholds.json (MIT licence, Copyright 2014-2024 Numenta Inc.)",
           "rule": "alarm when anomaly_score >= threshold", "detectors": {}}
    for det in sorted(os.listdir(os.path.join(nab, "results"))):
        folder = os.path.join(nab, "results", det, CATEGORY)
        if det not in thresholds or not os.path.isdir(folder):
            continue
        entry = {}
        published = {}
        for profile in PROFILES:
            path = os.path.join(nab, "results", det, f"{det}_{profile}_scores.csv")
            for row in csv.DictReader(open(path)):
                if row["File"].startswith(CATEGORY + "/"):
                    published[(profile, row["File"])] = float(row["Score"])
        for name in sorted(os.listdir(folder)):
            key = f"{CATEGORY}/{name[len(det) + 1:]}"
            rows = list(csv.DictReader(open(os.path.join(folder, name))))
            scores = [float(r["anomaly_score"]) for r in rows]
            per_file = {"rows": len(rows)}
            for profile in PROFILES:
                t = thresholds[det][profile]["threshold"]
                per_file[profile] = {
                    "threshold": t,
                    "published_score": published.get((profile, key)),
                    "alarms": [i for i, s in enumerate(scores) if s >= t],
                }
            entry[key] = per_file
        out["detectors"][det] = entry
    json.dump(out, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
