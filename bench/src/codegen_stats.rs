//! `codegen-stats`: what each unroll mode costs at build time and in the binary.
//!
//! For every fixture and mode: the median time of `tinyae_codegen::expand_model` (the macro's
//! work after reading the file), then the expansion is written into a tiny binary crate that
//! calls `reconstruct_into` once, and that crate is built in release mode:
//! - compile time: wall time of `cargo build --release` of that crate alone, dependencies
//!   already built (a crate with no model is built the same way, for cargo's own overhead);
//! - code and data bytes: growth of the binary's `.text` and `.rodata` sections over that
//!   empty crate (`size -A`), i.e. the model's code, weights, constants and the libm functions
//!   it pulls in.
//!
//! Usage: `codegen-stats [--skip mnist-full] [--json]` (MNIST fully unrolled takes minutes).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use tinyae_codegen::{Options, Parts, Unroll};

const MODES: [(&str, Unroll); 3] =
    [("full", Unroll::Full), ("loops", Unroll::Loops), ("auto", Unroll::Auto)];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let skip: Vec<&str> =
        args.windows(2).filter(|w| w[0] == "--skip").map(|w| w[1].as_str()).collect();
    let json = args.iter().any(|a| a == "--json");
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = bench.join("target/codegen-stats");
    let mut crates = vec![("baseline".to_owned(), baseline())];
    let mut expansions = Vec::new();
    for name in ["sensor", "ecg", "mnist"] {
        let path = bench.join(format!("../tests/fixtures/{name}.safetensors"));
        let bytes =
            std::fs::read(&path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
        let model = tinyae_core::load(&bytes).unwrap_or_else(|e| fail(&format!("{name}: {e}")));
        for (mode, unroll) in MODES {
            if skip.contains(&format!("{name}-{mode}").as_str()) {
                continue;
            }
            let options = Options { unroll, parts: Parts::All, ..Options::default() };
            let (ms, tokens) = expansion_ms(&model, options);
            let file: syn::File = syn::parse2(tokens)
                .unwrap_or_else(|e| fail(&format!("{name} {mode}: expansion does not parse: {e}")));
            let code = prettyplease::unparse(&file);
            expansions.push((name, mode, ms, code.len()));
            crates.push((format!("{name}_{mode}"), program(&code, model.input_len())));
        }
    }
    write_workspace(&dir, &crates);
    // The baseline crate builds the shared dependencies, so each timed build compiles only
    // its own crate; rewriting `main.rs` makes cargo rebuild it on reruns too.
    cargo(&dir, &["build", "--release", "--quiet", "-p", "baseline"]);
    let mut built = Vec::new();
    for (name, _) in &crates {
        let main = dir.join(name).join("src/main.rs");
        let text = std::fs::read_to_string(&main).unwrap_or_default();
        std::fs::write(&main, text).unwrap_or_else(|e| fail(&format!("{}: {e}", main.display())));
        let start = Instant::now();
        cargo(&dir, &["build", "--release", "--quiet", "-p", name]);
        let seconds = start.elapsed().as_secs_f64();
        let (text, rodata) = sections(&dir.join("target/release").join(name));
        built.push((name.clone(), seconds, text, rodata));
    }
    report(&expansions, &built, json);
}

/// Median milliseconds of `expand_model`, and one expansion.
fn expansion_ms(model: &tinyae_core::Model, options: Options) -> (f64, proc_macro2::TokenStream) {
    let mut times = Vec::new();
    let mut tokens = proc_macro2::TokenStream::new();
    let start = Instant::now();
    while times.len() < 3 || (times.len() < 21 && start.elapsed().as_secs_f64() < 2.0) {
        let t = Instant::now();
        tokens = tinyae_codegen::expand_model(model, "Model", options);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], tokens)
}

/// A binary that runs the model once on an opaque input, so nothing is optimized away.
fn program(expansion: &str, n: usize) -> String {
    format!(
        "#![allow(dead_code, clippy::all)]\n\
         use std::hint::black_box;\n\n\
         {expansion}\n\
         #[inline(never)]\n\
         #[no_mangle]\n\
         pub fn tinyae_stats_run(x: &[f32; {n}], s: &mut <Model as tinyae::ModelInfo>::Scratch, y: &mut [f32; {n}]) {{\n\
         \x20   Model::reconstruct_into(x, s, y);\n\
         }}\n\n\
         fn main() {{\n\
         \x20   let x = black_box([0.5f32; {n}]);\n\
         \x20   let mut s = Model::new_scratch();\n\
         \x20   let mut y = [0.0f32; {n}];\n\
         \x20   tinyae_stats_run(&x, &mut s, &mut y);\n\
         \x20   black_box(&y);\n\
         }}\n"
    )
}

/// The same binary without a model.
fn baseline() -> String {
    "use std::hint::black_box;\n\n\
     #[inline(never)]\n\
     #[no_mangle]\n\
     pub fn tinyae_stats_run(x: &[f32; 4], y: &mut [f32; 4]) {\n\
     \x20   *y = *x;\n\
     }\n\n\
     fn main() {\n\
     \x20   let x = black_box([0.5f32; 4]);\n\
     \x20   let mut y = [0.0f32; 4];\n\
     \x20   tinyae_stats_run(&x, &mut y);\n\
     \x20   black_box(&y);\n\
     }\n"
    .to_owned()
}

fn write_workspace(dir: &Path, crates: &[(String, String)]) {
    let runtime = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../runtime");
    let runtime = runtime.canonicalize().unwrap_or(runtime);
    let members: Vec<String> = crates.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    write(
        &dir.join("Cargo.toml"),
        &format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n[profile.release]\ndebug = false\n",
            members.join(", ")
        ),
    );
    for (name, code) in crates {
        write(
            &dir.join(name).join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\ntinyae = {{ path = \"{}\" }}\n",
                runtime.display()
            ),
        );
        write(&dir.join(name).join("src/main.rs"), code);
    }
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| fail(&format!("{}: {e}", parent.display())));
    }
    // Unchanged files keep their timestamps, so reruns rebuild nothing needlessly.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    }
}

fn cargo(dir: &Path, args: &[&str]) {
    let status = Command::new("cargo")
        .args(args)
        .current_dir(dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .unwrap_or_else(|e| fail(&format!("cargo: {e}")));
    if !status.success() {
        fail(&format!("cargo {} failed in {}", args.join(" "), dir.display()));
    }
}

/// `.text` and `.rodata` (all `.rodata*` sections) bytes of an ELF file, from `size -A`.
fn sections(binary: &Path) -> (u64, u64) {
    let out = Command::new("size")
        .arg("-A")
        .arg(binary)
        .output()
        .unwrap_or_else(|e| fail(&format!("size: {e}")));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut sums = (0, 0);
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let (Some(name), Some(size)) = (parts.next(), parts.next()) else { continue };
        let Ok(size) = size.parse::<u64>() else { continue };
        if name == ".text" {
            sums.0 += size;
        } else if name.starts_with(".rodata") {
            sums.1 += size;
        }
    }
    sums
}

fn report(expansions: &[(&str, &str, f64, usize)], built: &[(String, f64, u64, u64)], json: bool) {
    let Some((_, base_s, base_text, base_rodata)) = built.first().cloned() else { return };
    let mut rows = Vec::new();
    for (model, mode, ms, chars) in expansions {
        let name = format!("{model}_{mode}");
        let Some((_, s, text, rodata)) = built.iter().find(|b| b.0 == name) else { continue };
        rows.push(serde_json::json!({
            "model": model, "mode": mode, "expand_ms": ms, "expanded_chars": chars,
            "compile_s": s, "text_bytes": text.saturating_sub(base_text),
            "rodata_bytes": rodata.saturating_sub(base_rodata),
        }));
    }
    if json {
        println!("{}", serde_json::json!({ "baseline_compile_s": base_s, "rows": rows }));
        return;
    }
    println!("| model | mode | expansion ms | expanded code (chars) | rustc+cargo s | code bytes | data bytes |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {:.2} | {} | {:.2} | {} | {} |",
            r["model"].as_str().unwrap_or(""),
            r["mode"].as_str().unwrap_or(""),
            r["expand_ms"].as_f64().unwrap_or(f64::NAN),
            r["expanded_chars"],
            r["compile_s"].as_f64().unwrap_or(f64::NAN),
            r["text_bytes"],
            r["rodata_bytes"],
        );
    }
    println!(
        "(a crate without a model: {base_s:.2} s to build; code and data bytes are growth over it)"
    );
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}
