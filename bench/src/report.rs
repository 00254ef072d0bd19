//! The Markdown tables `bench/run` prints.

use std::process::Command;

use tinyae_core::ir::Op;

use crate::engine::Io;
use crate::models::Family;
use crate::roofline::Machine;
use crate::Row;

const TFLITE: &str = "TFLite+XNNPACK";

fn find<'a>(rows: &'a [Row], family: &str, precision: &str, engine: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.family == family && r.precision == precision && r.engine.starts_with(engine))
}

/// tinyae `auto`, `reconstruct_into` (raw f32 in and out).
fn auto<'a>(rows: &'a [Row], family: &str, precision: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.family == family && r.precision == precision && r.engine == "tinyae auto")
}

/// TFLite on a variant: the int8 engine for int8 variants.
fn tflite<'a>(rows: &'a [Row], family: &str, precision: &str) -> Option<&'a Row> {
    find(rows, family, precision, TFLITE)
}

fn fmt_ns(ns: f64) -> String {
    if ns.is_nan() {
        "–".into()
    } else if ns >= 10_000.0 {
        format!("{:.1} µs", ns / 1000.0)
    } else if ns >= 1000.0 {
        format!("{:.2} µs", ns / 1000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

fn ratio(a: Option<&Row>, b: Option<&Row>) -> f64 {
    match (a, b) {
        (Some(a), Some(b)) => a.ns / b.ns,
        _ => f64::NAN,
    }
}

pub fn header(m: &Machine) {
    let caches: Vec<String> =
        m.caches.iter().map(|(l, s)| format!("L{l} {} KiB", s / 1024)).collect();
    let out = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("# tinyae benchmark, {}\n", out("date", &["-u", "+%Y-%m-%d %H:%M UTC"]));
    println!("- CPU: {}, {:.2} GHz measured (dependent integer multiplies)", m.cpu, m.ghz);
    println!("- data caches per core: {}; features: {}", caches.join(", "), m.features);
    println!(
        "- this build: {}, AVX2 {}, AVX-512 {}, AVX-512 VNNI {} (generic x86-64 rows: a second build)",
        out("rustc", &["-V"]),
        cfg!(target_feature = "avx2"),
        cfg!(target_feature = "avx512f"),
        cfg!(target_feature = "avx512vnni")
    );
    println!(
        "- load average at start: {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!(
        "- batch 1, one thread, pinned; median of {} samples per engine (each ≥ 0.2 ms of \
         back-to-back calls), samples of all engines interleaved\n",
        crate::timing::ROUNDS
    );
}

/// Every engine on every model and precision, as measured in this run.
pub fn one_run(families: &[Family], rows: &[Row]) {
    println!("## Every engine, model and precision (one run)\n");
    println!("`raw`: tinyae's API, raw f32 in user units in and out, input scaling included;");
    println!("`scaled`: the bare network on scaled f32 input; `int8`: int8 in and out.");
    println!("× = time of TFLite+XNNPACK f32 on the same model ÷ this engine's time.\n");
    println!("| model | precision | engine | in/out | time | × XNNPACK f32 | max abs diff |");
    println!("|---|---|---|---|---:|---:|---:|");
    for f in families {
        let xnn = tflite(rows, f.name, "f32");
        for v in &f.variants {
            for r in rows.iter().filter(|r| r.family == f.name && r.precision == v.precision) {
                let io = match r.io {
                    Io::Raw => "raw",
                    Io::Scaled => "scaled",
                    Io::Int8 => "int8",
                };
                let x = xnn.map_or(f64::NAN, |x| x.ns / r.ns);
                println!(
                    "| {} | {} | {} | {io} | {} | {x:.2} | {:.1e} |",
                    f.name,
                    v.precision,
                    r.engine,
                    fmt_ns(r.ns),
                    r.diff
                );
            }
        }
    }
    println!();
}

/// The goals as ratios of this run (generic x86-64: tinyae's time from the second
/// build against the peers of this one).
pub fn goals(rows: &[Row], generic: &[Row]) {
    println!("## Goals\n");
    println!("| goal | native | generic x86-64 | target |");
    println!("|---|---:|---:|---|");
    let q = |rows: &[Row], family: &str, precision: &str| {
        rows.iter()
            .find(|r| r.family == family && r.precision == precision && r.io == Io::Int8)
            .cloned()
    };
    for (name, family) in [("MNIST", "mnist"), ("ECG5000", "ecg5000")] {
        let xnn = tflite(rows, family, "f32");
        let xnn8 = tflite(rows, family, "int8");
        let line = |goal: &str, n: f64, g: f64, target: &str| {
            println!("| {name}: {goal} | {n:.2} | {g:.2} | {target} |");
        };
        let both = |f: &dyn Fn(&[Row]) -> f64| (f(rows), f(generic));
        let (n, g) = both(&|r| ratio(xnn, auto(r, family, "f32")));
        line("XNNPACK f32 ÷ tinyae f32", n, g, if family == "mnist" { "≥ 1.5" } else { "≥ 5" });
        let (n, g) = both(&|r| ratio(xnn, auto(r, family, "int8")));
        line("XNNPACK f32 ÷ tinyae int8 (f32 in/out)", n, g, "≥ 4");
        let (n, g) = both(&|r| ratio(xnn8, q(r, family, "int8").as_ref()));
        line("XNNPACK int8 ÷ tinyae int8 (int8 in/out)", n, g, "≥ 1.5");
        let (n, g) = both(&|r| ratio(auto(r, family, "f16"), auto(r, family, "f32")));
        line("tinyae f16 ÷ f32 time", n, g, "≤ 0.6");
        let (n, g) = both(&|r| ratio(auto(r, family, "f32"), auto(r, family, "f32 80 % pruned")));
        line("tinyae f32 dense ÷ 80 % pruned time", n, g, "≥ 2");
        let (n, g) = both(&|r| {
            ratio(q(r, family, "int8").as_ref(), q(r, family, "int8 80 % pruned").as_ref())
        });
        line("tinyae int8 dense ÷ 80 % pruned time (int8 in/out)", n, g, "≥ 2");
        let (n, g) =
            both(&|r| ratio(auto(r, family, "f32"), auto(r, family, "f32 80 % block-pruned")));
        line("tinyae f32 dense ÷ 80 % block-pruned time", n, g, "≥ 2");
        let (n, g) = both(&|r| {
            ratio(q(r, family, "int8").as_ref(), q(r, family, "int8 80 % block-pruned").as_ref())
        });
        line("tinyae int8 dense ÷ 80 % block-pruned time (int8 in/out)", n, g, "≥ 2");
    }
    let s = |r: &[Row]| auto(r, "sensor", "f32").map_or(f64::NAN, |r| r.ns);
    println!("| sensor: tinyae f32 ns | {:.1} | {:.1} | ≤ 20 |", s(rows), s(generic));
    println!();
}

/// tinyae f32 in every unroll mode, native and generic x86-64.
pub fn modes(native: &[Row], generic: &[Row]) {
    println!("## tinyae by unroll mode (f32, `reconstruct_into`)\n");
    println!("| model | mode | native | generic x86-64 |");
    println!("|---|---|---:|---:|");
    for r in native.iter().filter(|r| r.precision == "f32" && r.engine.starts_with("tinyae")) {
        let g = find(generic, &r.family, "f32", &r.engine).map_or(f64::NAN, |g| g.ns);
        let mode = r.engine.trim_start_matches("tinyae ");
        println!("| {} | {mode} | {} | {} |", r.family, fmt_ns(r.ns), fmt_ns(g));
    }
    println!();
}

/// Non-zero weights of the model's dense layers: the multiply-adds that must be done.
fn nonzero_macs(family: &Family, precision: &str) -> usize {
    let Some(v) = family.variants.iter().find(|v| v.precision == precision) else { return 0 };
    v.model
        .layers
        .iter()
        .filter_map(|l| match &l.op {
            Op::Dense(d) => Some(d.weight.values.iter().filter(|w| **w != 0.0).count()),
            _ => None,
        })
        .sum()
}

pub fn roofline(families: &[Family], rows: &[Row], m: &Machine) {
    println!("## Roofline\n");
    println!(
        "Measured (the better of two probes, before and after the timed runs): MACs per cycle \
         f32 FMA {:.1}, f32 multiply then add (bit-exact form) {:.1}, \
         f16 weights (widen, multiply, add) {:.1}, int8 {:.1}. Read bandwidth with full-width \
         loads: {}.\n",
        m.f32_fma,
        m.f32_mul_add,
        m.f16,
        m.int8,
        m.bw.iter().map(|(l, b)| format!("L{l} {b:.0} B/ns")).collect::<Vec<_>>().join(", ")
    );
    println!("Compute bound: non-zero MACs at the precision's peak (f32: multiply then add, FMA");
    println!("in brackets). Memory bound: `WEIGHT_BYTES` at the bandwidth of the level they fit.");
    println!("× roofline = tinyae's time ÷ the larger of the two.\n");
    println!("| model | precision | MACs | weight bytes | compute ns | memory ns (level) | tinyae | × roofline |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for f in families {
        for v in &f.variants {
            let macs = nonzero_macs(f, v.precision) as f64;
            let bytes = crate::tinyae_engines::weight_bytes(f.name, v.precision).unwrap_or(0);
            let per_cycle = match v.precision {
                p if p.starts_with("int8") => m.int8,
                "f16" => m.f16,
                _ => m.f32_mul_add,
            };
            let compute = macs / (per_cycle * m.ghz);
            let fma = macs / (m.f32_fma * m.ghz);
            let (level, bw) = m.bw_for(bytes);
            let memory = bytes as f64 / bw;
            let bound = compute.max(memory);
            let compute_text = if v.precision.starts_with("f32") {
                format!("{compute:.0} ({fma:.0})")
            } else {
                format!("{compute:.0}")
            };
            for r in rows.iter().filter(|r| {
                r.family == f.name
                    && r.precision == v.precision
                    && r.engine.starts_with("tinyae auto")
            }) {
                let label = if r.io == Io::Int8 {
                    format!("{} (int8 in/out)", v.precision)
                } else {
                    v.precision.to_owned()
                };
                println!(
                    "| {} | {label} | {macs:.0} | {bytes} | {compute_text} | {memory:.0} (L{level}) | {} | {:.2} |",
                    f.name,
                    fmt_ns(r.ns),
                    r.ns / bound
                );
            }
        }
    }
    println!();
}

pub fn sweep(native: &[Row], generic: &[Row]) {
    println!("## Unroll sweep: `I → O → I` (relu, sigmoid), two layers of I·O MACs each\n");
    println!(
        "| shape | MACs per layer | full native | loops native | full generic | loops generic |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let mut seen: Vec<&str> = Vec::new();
    for r in native {
        if seen.contains(&r.family.as_str()) {
            continue;
        }
        seen.push(&r.family);
        let macs: usize = r.family.split('x').filter_map(|d| d.parse::<usize>().ok()).product();
        let ns = |rows: &[Row], mode: &str| {
            rows.iter()
                .find(|x| x.family == r.family && x.engine == format!("tinyae {mode}"))
                .map_or("–".to_owned(), |x| format!("{:.1}", x.ns))
        };
        println!(
            "| {} | {macs} | {} | {} | {} | {} |",
            r.family,
            ns(native, "full"),
            ns(native, "loops"),
            ns(generic, "full"),
            ns(generic, "loops")
        );
    }
    println!();
}
