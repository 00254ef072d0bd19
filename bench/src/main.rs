//! `tinyae-bench`: batch-1 inference time of tinyae's generated code in every precision,
//! against the engines users would pick instead and against the machine's roofline, all in
//! one run. Run it with `bench/run` (docs/BENCHMARKS.md); it prints Markdown tables.
//!
//! Every engine is checked before it is timed: tinyae must equal the reference interpreter
//! bit for bit, float peers must be within 1e-4 of it, int8 peers within
//! [`INT8_PEER_LSB`] output steps of the int8 reference. Every engine runs on one thread
//! (`RAYON_NUM_THREADS=1`, onnxruntime and TFLite with one thread), `bench/run` pins the
//! process to one core, and the timing samples of all engines are interleaved
//! (`timing::interleaved`).
//!
//! `--json` times tinyae alone and prints JSON: `bench/run` builds this program a second time
//! for generic x86-64 and passes it as `--generic PATH`.
//!
//! `--only FAMILY[:PRECISION]` (e.g. `mnist` or `mnist:f32`) keeps one model family (and one
//! of its precisions) and skips the unroll sweep: seconds instead of a quarter of an hour
//! while working on one kernel.

mod engine;
mod models;
#[cfg(feature = "peers")]
mod peers;
mod report;
mod roofline;
mod sampling;
mod sweep;
mod timing;
mod tinyae_engines;

use std::path::Path;
use std::process::Command;

use engine::{Engine, Io};
use models::{max_abs_diff, Family, Variant};
use serde_json::{json, Value};
use tinyae_core::{quant, reference};

/// Largest allowed distance of a float peer from the reference interpreter.
const FLOAT_PEER_TOLERANCE: f64 = 1e-4;
/// Largest allowed distance of an int8 peer from the int8 reference, in steps of the
/// coarser output scale: TFLite requantizes with its own rounding and writes sigmoid outputs
/// in steps of 1/256 where the file has its own scale, and a step's difference in one layer
/// can move the next layer's outputs by a few steps.
const INT8_PEER_LSB: f64 = 8.0;

/// One engine checked and timed on one variant.
#[derive(Debug, Clone)]
pub struct Row {
    pub family: String,
    pub precision: String,
    pub engine: String,
    pub io: Io,
    pub diff: f64,
    pub ns: f64,
}

/// An engine waiting to be checked and timed.
struct Entry<'a> {
    variant: &'a Variant,
    family: &'a Family,
    engine: Box<dyn Engine>,
    io: Io,
}

fn main() {
    // Before any engine starts a thread pool.
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.windows(2).find(|w| w[0] == flag).map(|w| w[1].clone());
    let mut families = models::load().unwrap_or_else(|e| fail(&e));
    let only = value("--only");
    if let Some(only) = &only {
        let (name, precision) = only.split_once(':').unwrap_or((only, ""));
        families.retain(|f| f.name == name);
        for f in &mut families {
            f.variants.retain(|v| precision.is_empty() || v.precision == precision);
        }
        if families.iter().all(|f| f.variants.is_empty()) {
            fail(&format!("--only {only}: no such model family or precision"));
        }
    }
    let run_sweep = || if only.is_some() { Vec::new() } else { sweep_rows() };
    if args.iter().any(|a| a == "--json") {
        let rows = timed(tinyae_entries(&families)).unwrap_or_else(|e| fail(&e));
        let sweep = run_sweep();
        println!("{}", json!({ "rows": rows_json(&rows), "sweep": rows_json(&sweep) }));
        return;
    }
    let generic = value("--generic").map(|p| run_generic(Path::new(&p), only.as_deref()));
    let machine = roofline::machine();
    report::header(&machine);
    #[cfg_attr(not(feature = "peers"), allow(unused_mut))]
    let mut entries = tinyae_entries(&families);
    #[cfg(feature = "peers")]
    let _server = peers::entries(&families, value("--python"), &mut entries);
    let rows = timed(entries).unwrap_or_else(|e| fail(&e));
    let sweep = run_sweep();
    let (generic_rows, generic_sweep) = generic.unwrap_or_default();
    report::one_run(&families, &rows);
    report::goals(&rows, &generic_rows);
    report::modes(&rows, &generic_rows);
    // Probed again after the timed runs; the roofline takes the better of the two.
    let machine = machine.best_of(roofline::machine());
    report::roofline(&families, &rows, &machine);
    report::sweep(&sweep, &generic_sweep);
}

/// tinyae's engines for every variant (every unroll mode for f32).
fn tinyae_entries(families: &[Family]) -> Vec<Entry<'_>> {
    let mut entries = Vec::new();
    for family in families {
        for variant in &family.variants {
            for (engine, io) in tinyae_engines::engines(family.name, variant.precision, true) {
                entries.push(Entry { variant, family, engine, io });
            }
        }
    }
    entries
}

/// Checks every entry, then times them all in interleaved rounds.
fn timed(mut entries: Vec<Entry<'_>>) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for e in &mut entries {
        let name = e.engine.name();
        let diff = check(e)
            .map_err(|err| format!("{name} on {} {}: {err}", e.family.name, e.variant.precision))?;
        rows.push(Row {
            family: e.family.name.to_owned(),
            precision: e.variant.precision.to_owned(),
            engine: name,
            io: e.io,
            diff,
            ns: f64::NAN,
        });
    }
    let mut engines: Vec<&mut Box<dyn Engine>> =
        entries.iter_mut().map(|e| &mut e.engine).collect();
    let ns = timing::interleaved(&mut engines)?;
    for (r, t) in rows.iter_mut().zip(ns) {
        r.ns = t;
    }
    Ok(rows)
}

/// Runs the entry once on its input and compares with the reference interpreter: returns
/// the max abs difference (in the output's units), or why it is too large.
fn check(e: &mut Entry<'_>) -> Result<f64, String> {
    let v = e.variant;
    let is_tinyae = e.engine.name().starts_with("tinyae");
    match e.io {
        Io::Raw => {
            let expected = reference::reconstruct(&v.model, &e.family.raw);
            let got = e.engine.run(&e.family.raw)?;
            let same = got.len() == expected.len()
                && got.iter().zip(&expected).all(|(a, b)| a.to_bits() == b.to_bits());
            let diff = max_abs_diff(&got, &expected);
            if is_tinyae && !same {
                return Err(format!("differs from the reference (max abs diff {diff:e})"));
            }
            Ok(diff)
        }
        Io::Scaled => {
            let expected = reference::run(&v.model.layers, &v.scaled);
            let diff = max_abs_diff(&e.engine.run(&v.scaled)?, &expected);
            if diff > FLOAT_PEER_TOLERANCE {
                return Err(format!("max abs diff {diff:e} exceeds {FLOAT_PEER_TOLERANCE:e}"));
            }
            Ok(diff)
        }
        Io::Int8 => {
            let q = v.quantized_input().ok_or("not an int8 model")?;
            let out = v.output_params().ok_or("not an int8 model")?;
            let expected = quant::run_q(&v.model.layers, &q);
            let x: Vec<f32> = q.iter().map(|v| f32::from(*v)).collect();
            let got = e.engine.run(&x)?;
            let (scale, zp) = e.engine.output_params().unwrap_or((out.scale, out.zero_point));
            let got: Vec<f32> = got.iter().map(|g| (*g - zp as f32) * scale).collect();
            let want: Vec<f32> = expected.iter().map(|q| out.dequantize(*q)).collect();
            let diff = max_abs_diff(&got, &want);
            let exact = e.engine.output_params().is_none();
            let allowed = if exact { 0.0 } else { INT8_PEER_LSB * f64::from(scale.max(out.scale)) };
            if diff > allowed {
                return Err(format!(
                    "max abs diff {diff:e} from the int8 reference exceeds {allowed:e}"
                ));
            }
            Ok(diff)
        }
    }
}

/// Full vs loops on the sweep models; `family` is `IxO` (per-layer MACs = I * O).
fn sweep_rows() -> Vec<Row> {
    let mut engines = Vec::new();
    let mut rows = Vec::new();
    for (i, o, path, full, loops) in sweep::models() {
        let bytes = std::fs::read(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
        let model = tinyae_core::load(&bytes).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
        let raw: Vec<f32> = (0..i).map(|k| (k as f32 * 0.37).sin()).collect();
        let expected = reference::reconstruct(&model, &raw);
        for mut e in [full, loops] {
            let got = e.run(&raw).unwrap_or_else(|e| fail(&e));
            if got.iter().zip(&expected).any(|(a, b)| a.to_bits() != b.to_bits()) {
                fail(&format!("sweep {i}x{o} {}: differs from the reference", e.name()));
            }
            rows.push(Row {
                family: format!("{i}x{o}"),
                precision: "f32".into(),
                engine: e.name(),
                io: Io::Raw,
                diff: 0.0,
                ns: f64::NAN,
            });
            engines.push(e);
        }
    }
    let mut refs: Vec<&mut Box<dyn Engine>> = engines.iter_mut().collect();
    let ns = timing::interleaved(&mut refs).unwrap_or_else(|e| fail(&e));
    for (r, t) in rows.iter_mut().zip(ns) {
        r.ns = t;
    }
    rows
}

/// Runs the generic-x86-64 build with `--json` (and `--only`): its tinyae rows and sweep.
fn run_generic(path: &Path, only: Option<&str>) -> (Vec<Row>, Vec<Row>) {
    let mut command = Command::new(path);
    command.arg("--json");
    if let Some(name) = only {
        command.args(["--only", name]);
    }
    let out = command.output().unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    if !out.status.success() {
        fail(&format!("{}: {}", path.display(), String::from_utf8_lossy(&out.stderr)));
    }
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| fail(&format!("{} output: {e}", path.display())));
    (rows_from_json(&v["rows"]), rows_from_json(&v["sweep"]))
}

fn rows_json(rows: &[Row]) -> Value {
    rows.iter()
        .map(|r| {
            json!({ "family": r.family, "precision": r.precision, "engine": r.engine,
                    "int8_io": r.io == Io::Int8, "diff": r.diff, "ns": r.ns })
        })
        .collect()
}

fn rows_from_json(v: &Value) -> Vec<Row> {
    let text = |r: &Value, k: &str| r[k].as_str().unwrap_or("").to_owned();
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|r| Row {
                    family: text(r, "family"),
                    precision: text(r, "precision"),
                    engine: text(r, "engine"),
                    io: if r["int8_io"].as_bool() == Some(true) { Io::Int8 } else { Io::Raw },
                    diff: r["diff"].as_f64().unwrap_or(f64::NAN),
                    ns: r["ns"].as_f64().unwrap_or(f64::NAN),
                })
                .collect()
        })
        .unwrap_or_default()
}

pub fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}
