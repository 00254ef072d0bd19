//! `tinyae eval --reference data/nab/reference_results.json`: NAB's reference detectors on the
//! same rows, from their published alarms (`scripts/nab-reference.py`), so a series' numbers
//! sit next to the scoreboard's. Each detector is scored as NAB scores it: every row at or above
//! its NAB-optimized threshold is an alarm; rows before the evaluated part are NAB's
//! probationary period.

use std::ops::Range;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::events::{events, labelled_windows, Events};
use crate::nab::{self, PROFILES};

/// One reference detector on one series.
#[derive(Debug, Clone)]
pub struct Reference {
    /// NAB's name for it.
    pub detector: String,
    /// Its events on the evaluated rows, per profile (its alarms differ by profile).
    pub events: Vec<Events>,
    /// Its published raw score on the whole series per profile, normalized like ours.
    pub published: Vec<Option<f64>>,
}

/// The reference detectors of `key` (e.g. `realKnownCause/nyc_taxi.csv`) on the rows `part`.
pub fn references(
    path: &Path,
    key: &str,
    anomalous: &[bool],
    part: Range<usize>,
    gap: usize,
) -> Result<Vec<Reference>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let doc: Value =
        serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))?;
    let Some(detectors) = doc["detectors"].as_object() else {
        bail!("{}: no `detectors` object (made by scripts/nab-reference.py?)", path.display());
    };
    let rows = anomalous.len();
    let windows = labelled_windows(anomalous);
    let mut out = Vec::new();
    for (name, files) in detectors {
        let Some(file) = files.get(key) else { continue };
        if file["rows"].as_u64() != Some(rows as u64) {
            bail!(
                "{}: `{name}` has {} rows for {key}, the series has {rows}",
                path.display(),
                file["rows"]
            );
        }
        let mut evs = Vec::new();
        let mut published = Vec::new();
        for p in &PROFILES {
            let mut alarms = vec![false; rows];
            for a in file[p.name]["alarms"].as_array().into_iter().flatten() {
                if let Some(i) = a.as_u64().map(|i| i as usize).filter(|&i| i < rows) {
                    alarms[i] = true;
                }
            }
            evs.push(events(&alarms, &windows, part.clone(), gap));
            // NAB's per-file score, normalized per file as ours are: its windows after the
            // probationary period count.
            let whole = nab::score(&vec![false; rows], &windows, nab::probation(rows), p);
            published.push(file[p.name]["published_score"].as_f64().map(|raw| {
                let n = whole.windows as f64;
                100.0 * (raw + p.fn_ * n) / ((p.tp + p.fn_) * n)
            }));
        }
        out.push(Reference { detector: name.clone(), events: evs, published });
    }
    Ok(out)
}

/// Prints the reference table.
pub fn print(refs: &[Reference]) {
    println!(
        "NAB reference detectors on these rows (their published alarms at NAB's thresholds), and \
         their published score on the whole series:"
    );
    println!(
        "  {:<18} {:>9} {:>7} {:>9} {:>9} {:>9}   {:>9}",
        "detector", "detected", "false", "standard", "low FP", "low FN", "published"
    );
    for r in refs {
        let e = &r.events[0];
        println!(
            "  {:<18} {:>9} {:>7} {:>9.1} {:>9.1} {:>9.1}   {:>9}",
            r.detector,
            format!("{} of {}", e.detected(), e.windows.len()),
            e.false_events.len(),
            r.events[0].nab[0].normalized,
            r.events[1].nab[1].normalized,
            r.events[2].nab[2].normalized,
            r.published[0].map_or("-".into(), |v| format!("{v:.1}")),
        );
    }
    println!(
        "  (detected and false events with the standard profile's threshold; each NAB column \
         with its own profile's)"
    );
}

/// The reference table as JSON.
pub fn to_json(refs: &[Reference]) -> Value {
    json!(refs
        .iter()
        .map(|r| json!({
            "detector": r.detector,
            "detected": r.events[0].detected(),
            "windows": r.events[0].windows.len(),
            "false_alarm_events": r.events[0].false_events.len(),
            "nab": PROFILES.iter().enumerate().map(|(k, p)| (p.name.to_owned(),
                json!(r.events[k].nab[k].normalized))).collect::<serde_json::Map<_, _>>(),
            "published_whole_series": PROFILES.iter().zip(&r.published).map(|(p, v)|
                (p.name.to_owned(), json!(v))).collect::<serde_json::Map<_, _>>(),
        }))
        .collect::<Vec<_>>())
}
