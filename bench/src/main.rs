//! `tinyae-bench`: batch-1 inference time of tinyae's generated code against the engines users
//! would pick instead, and against the machine's limit. Run it with `bench/run`
//! (docs/BENCHMARKS.md); it prints Markdown tables.
//!
//! Every engine is checked against the reference interpreter (max abs diff ≤ 1e-4) before it
//! is timed; every engine runs on one thread (`RAYON_NUM_THREADS=1`, onnxruntime with one
//! intra-op thread), and `bench/run` pins the process to one core.
//!
//! `--json` times tinyae alone (every mode, and the unroll sweep) and prints JSON: `bench/run`
//! builds this program a second time for generic x86-64 and passes it as `--generic PATH`.

mod engine;
mod fixtures;
mod limit;
#[cfg(feature = "peers")]
mod peers;
mod sweep;
mod timing;
mod tinyae_engines;

use std::path::Path;
#[cfg(feature = "peers")]
use std::path::PathBuf;
use std::process::Command;

use engine::Engine;
use fixtures::{max_abs_diff, Fixture};
use serde_json::{json, Value};
use tinyae_core::reference;

/// Largest allowed distance from the reference interpreter before an engine is timed.
const TOLERANCE: f64 = 1e-4;

/// One engine checked and timed on one model.
#[derive(Debug, Clone)]
struct Row {
    model: String,
    engine: String,
    diff: f64,
    ns: f64,
}

/// Checks `engine` against the reference interpreter, then times it.
fn measure(f: &Fixture, engine: &mut dyn Engine) -> Result<Row, String> {
    let name = engine.name();
    let (x, expected) = if engine.raw_units() {
        (&f.raw, reference::reconstruct(&f.model, &f.raw))
    } else {
        (&f.scaled, reference::run(&f.model.layers, &f.scaled))
    };
    let got = engine.run(x).map_err(|e| format!("{name} on {}: {e}", f.name))?;
    let diff = max_abs_diff(&got, &expected);
    if diff > TOLERANCE {
        return Err(format!(
            "{name} on {}: max abs diff {diff:e} from the reference exceeds {TOLERANCE:e}",
            f.name
        ));
    }
    let ns = engine.time(x).map_err(|e| format!("{name} on {}: {e}", f.name))?;
    Ok(Row { model: f.name.to_owned(), engine: name, diff, ns })
}

fn main() {
    // Before any engine starts a thread pool.
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| args.windows(2).find(|w| w[0] == flag).map(|w| w[1].clone());
    let fixtures: Vec<Fixture> =
        fixtures::NAMES.iter().map(|n| fixtures::load(n).unwrap_or_else(|e| fail(&e))).collect();
    if args.iter().any(|a| a == "--json") {
        let rows = tinyae_rows(&fixtures);
        let sweep = sweep_rows();
        println!("{}", json!({ "rows": rows_json(&rows), "sweep": rows_json(&sweep) }));
        return;
    }
    let generic = value("--generic").map(|p| run_generic(Path::new(&p)));
    let machine = limit::machine();
    header(&machine);
    let tinyae = tinyae_rows(&fixtures);
    let peers = peer_rows(&fixtures);
    let sweep = sweep_rows();
    let (generic_rows, generic_sweep) = generic.unwrap_or_default();
    print_modes(&tinyae, &generic_rows);
    print_peers(&tinyae, &peers);
    print_limit(&fixtures, &tinyae, &machine);
    print_sweep(&sweep, &generic_sweep);
}

fn tinyae_rows(fixtures: &[Fixture]) -> Vec<Row> {
    let mut rows = Vec::new();
    for f in fixtures {
        for mode in tinyae_engines::MODES {
            if let Some(mut e) = tinyae_engines::engine(f.name, mode) {
                rows.push(measure(f, e.as_mut()).unwrap_or_else(|e| fail(&e)));
            }
        }
    }
    rows
}

/// Full vs loops on the sweep models; `model` is `IxO` (per-layer MACs = I * O).
fn sweep_rows() -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, o, path, full, loops) in sweep::models() {
        let bytes = std::fs::read(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
        let model = tinyae_core::load(&bytes).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
        let raw: Vec<f32> = (0..i).map(|k| (k as f32 * 0.37).sin()).collect();
        let scaled = reference::scale_input(&model, &raw);
        let f = Fixture { name: "sweep", model, raw, scaled };
        for mut e in [full, loops] {
            let mut r = measure(&f, e.as_mut()).unwrap_or_else(|e| fail(&e));
            r.model = format!("{i}x{o}");
            rows.push(r);
        }
    }
    rows
}

#[cfg(feature = "peers")]
fn peer_rows(fixtures: &[Fixture]) -> Vec<Row> {
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let script = bench.join("onnx_peer.py");
    let dir = bench.join("target/onnx");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        fail(&format!("{}: {e}", dir.display()));
    }
    let mut rows = Vec::new();
    for f in fixtures {
        let mut push = |engine: Result<Box<dyn Engine>, String>| match engine {
            Ok(mut e) => rows.push(measure(f, e.as_mut()).unwrap_or_else(|e| fail(&e))),
            Err(e) => eprintln!("skipped on {}: {e}", f.name),
        };
        push(peers::candle::Candle::new(&f.model).map(|e| Box::new(e) as _));
        push(peers::dfdx::Dfdx::new(&f.model).map(|e| Box::new(e) as _));
        let onnx = dir.join(format!("{}.onnx", f.name));
        match export_onnx(&script, &fixtures::path(&format!("{}.safetensors", f.name)), &onnx) {
            Ok(()) => {
                push(
                    peers::tract::Tract::new(&onnx, f.model.input_len()).map(|e| Box::new(e) as _),
                );
                push(
                    peers::ort::Ort::run_python(&script, &onnx, &f.scaled, &dir)
                        .map(|e| Box::new(e) as _),
                );
            }
            Err(e) => eprintln!("skipped tract and onnxruntime on {}: {e}", f.name),
        }
    }
    rows
}

#[cfg(not(feature = "peers"))]
fn peer_rows(_: &[Fixture]) -> Vec<Row> {
    eprintln!("peers skipped: built without the `peers` feature");
    Vec::new()
}

/// `python3 onnx_peer.py export model onnx` (the Python `onnx` package writes the file).
#[cfg(feature = "peers")]
fn export_onnx(script: &Path, model: &Path, onnx: &Path) -> Result<(), String> {
    let out = Command::new("python3")
        .arg(script)
        .arg("export")
        .arg(model)
        .arg(onnx)
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
    }
}

/// Runs the generic-x86-64 build with `--json`: its tinyae rows and sweep.
fn run_generic(path: &Path) -> (Vec<Row>, Vec<Row>) {
    let out = Command::new(path)
        .arg("--json")
        .output()
        .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    if !out.status.success() {
        fail(&format!("{}: {}", path.display(), String::from_utf8_lossy(&out.stderr)));
    }
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| fail(&format!("{} output: {e}", path.display())));
    (rows_from_json(&v["rows"]), rows_from_json(&v["sweep"]))
}

fn rows_json(rows: &[Row]) -> Value {
    rows.iter()
        .map(|r| json!({ "model": r.model, "engine": r.engine, "diff": r.diff, "ns": r.ns }))
        .collect()
}

fn rows_from_json(v: &Value) -> Vec<Row> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|r| Row {
                    model: r["model"].as_str().unwrap_or("").to_owned(),
                    engine: r["engine"].as_str().unwrap_or("").to_owned(),
                    diff: r["diff"].as_f64().unwrap_or(f64::NAN),
                    ns: r["ns"].as_f64().unwrap_or(f64::NAN),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn find<'a>(rows: &'a [Row], model: &str, engine: &str) -> Option<&'a Row> {
    rows.iter().find(|r| r.model == model && r.engine == engine)
}

fn header(m: &limit::Machine) {
    let caches: Vec<String> =
        m.caches.iter().map(|(l, s)| format!("L{l} {} KiB", s / 1024)).collect();
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("# tinyae benchmark, {date}\n");
    println!(
        "- CPU: {}; {} MHz nominal, {:.2} GHz measured (dependent f32 adds at 3 cycles)",
        m.cpu, m.nominal_mhz, m.ghz
    );
    println!(
        "- data caches per core: {}; AVX-512: {}, AVX2+FMA: {}",
        caches.join(", "),
        m.avx512,
        m.avx2_fma
    );
    println!("- this build: {rustc}, AVX2 {}, AVX-512 {} (the generic x86-64 rows come from a second build)", cfg!(target_feature = "avx2"), cfg!(target_feature = "avx512f"));
    println!(
        "- load average at start: {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!(
        "- batch 1, one thread, median of 101 samples (each ≥ 0.2 ms of back-to-back calls)\n"
    );
}

fn print_modes(native: &[Row], generic: &[Row]) {
    println!("## tinyae by unroll mode (ns per `reconstruct_into`, raw input to raw output)\n");
    println!("| model | mode | native | generic x86-64 | max abs diff vs reference |");
    println!("|---|---|---:|---:|---:|");
    for r in native {
        let g =
            find(generic, &r.model, &r.engine).map_or("–".to_owned(), |g| format!("{:.1}", g.ns));
        let mode = r.engine.trim_start_matches("tinyae ");
        println!("| {} | {mode} | {:.1} | {g} | {:.1e} |", r.model, r.ns, r.diff);
    }
    println!();
}

fn print_peers(tinyae: &[Row], peers: &[Row]) {
    println!("## Against other engines (ns per inference; ratio = engine / tinyae auto)\n");
    println!("Peers run the bare network on pre-scaled input; tinyae also scales the input and");
    println!("unscales the output. Diffs are against the reference interpreter.\n");
    println!("| model | engine | ns | × tinyae auto | max abs diff |");
    println!("|---|---|---:|---:|---:|");
    for model in fixtures::NAMES {
        let Some(base) = find(tinyae, model, "tinyae auto") else { continue };
        let rows = tinyae
            .iter()
            .filter(|r| r.model == model)
            .chain(peers.iter().filter(|r| r.model == model));
        for r in rows {
            println!(
                "| {model} | {} | {:.1} | {:.2} | {:.1e} |",
                r.engine,
                r.ns,
                r.ns / base.ns,
                r.diff
            );
        }
    }
    println!();
}

fn print_limit(fixtures: &[Fixture], tinyae: &[Row], m: &limit::Machine) {
    println!("## The limit\n");
    println!(
        "Peak: {} f32 MACs per cycle (two 256-bit multiply-add pipes) at {:.2} GHz. Read",
        m.macs_per_cycle(),
        m.ghz
    );
    println!("bandwidth: summing a buffer of the model's weight size, one of half the L2 and one");
    println!("of four times the L2 (which then streams from L3), repeatedly.\n");
    let l2 = m.cache(2).unwrap_or(512 << 10);
    let bw_l2 = limit::read_bandwidth(l2 / 2);
    let bw_l3 = limit::read_bandwidth(l2 * 4);
    println!("Read bandwidth: {bw_l2:.0} B/ns (L2-resident), {bw_l3:.0} B/ns (from L3).\n");
    println!("| model | MACs | weight bytes | at peak ns | read weights ns (measured) | at L2 bw ns | at L3 bw ns | tinyae auto ns | × max(peak, read) |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for f in fixtures {
        let cost = tinyae_core::cost::cost(&f.model);
        let macs = cost.macs as f64;
        let bytes = cost.weight_bytes;
        let peak = macs / (m.macs_per_cycle() * m.ghz);
        let read = bytes as f64 / limit::read_bandwidth(bytes.max(64));
        let (at_l2, at_l3) = (bytes as f64 / bw_l2, bytes as f64 / bw_l3);
        let t = find(tinyae, f.name, "tinyae auto").map_or(f64::NAN, |r| r.ns);
        println!(
            "| {} | {} | {} | {peak:.1} | {read:.1} | {at_l2:.1} | {at_l3:.1} | {t:.1} | {:.2} |",
            f.name,
            cost.macs,
            bytes,
            t / peak.max(read)
        );
    }
    println!();
}

fn print_sweep(native: &[Row], generic: &[Row]) {
    println!("## Unroll sweep: `I → O → I` (relu, sigmoid), two layers of I·O MACs each\n");
    println!(
        "| shape | MACs per layer | full native | loops native | full generic | loops generic |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let shapes: Vec<&str> =
        native.iter().map(|r| r.model.as_str()).filter(|m| !m.is_empty()).collect();
    let mut seen = Vec::new();
    for shape in shapes {
        if seen.contains(&shape) {
            continue;
        }
        seen.push(shape);
        let macs: usize = shape.split('x').filter_map(|d| d.parse::<usize>().ok()).product();
        let ns = |rows: &[Row], mode: &str| {
            find(rows, shape, &format!("tinyae {mode}"))
                .map_or("–".to_owned(), |r| format!("{:.1}", r.ns))
        };
        println!(
            "| {shape} | {macs} | {} | {} | {} | {} |",
            ns(native, "full"),
            ns(native, "loops"),
            ns(generic, "full"),
            ns(generic, "loops")
        );
    }
    println!();
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}
