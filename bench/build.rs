//! Writes the unroll sweep's models: seeded synthetic autoencoders `I → O → I` (relu, then
//! sigmoid) whose two layers have `I * O` MACs each, and the macro invocations that expand
//! each one fully unrolled and with loops (`OUT_DIR/sweep.rs`, included by `src/sweep.rs`).

use std::fmt::Write as _;
use std::path::PathBuf;

use tinyae_core::synth::dense_autoencoder;
use tinyae_core::Activation;

/// `(inputs, latent)`: per-layer MACs 6, 16, 32, 64, 128, 256, 512.
const SHAPES: [(usize, usize); 7] = [(3, 2), (4, 4), (8, 4), (8, 8), (16, 8), (16, 16), (32, 16)];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut code = String::new();
    for (i, o) in SHAPES {
        let model = dense_autoencoder(&[i, o, i], Activation::Relu, Activation::Sigmoid, 7);
        let bytes = tinyae_core::format::to_bytes(&model).expect("synthetic model serializes");
        let path = out.join(format!("sweep_{i}x{o}.safetensors"));
        tinyae_core::format::write_atomic(&path, &bytes).expect("OUT_DIR is writable");
        let p = path.display();
        writeln!(
            code,
            "pub mod s{i}x{o} {{\n\
             \x20   pub const PATH: &str = \"{p}\";\n\
             \x20   tinyae::autoencoder!(pub Full = \"{p}\", unroll = full);\n\
             \x20   tinyae::autoencoder!(pub Loops = \"{p}\", unroll = loops);\n\
             }}"
        )
        .expect("writing to a String");
    }
    code.push_str("/// `(inputs, latent, path, full, loops)` of every sweep model.\n");
    code.push_str("pub fn models() -> Vec<(usize, usize, &'static str, Box<dyn crate::engine::Engine>, Box<dyn crate::engine::Engine>)> {\n    vec![\n");
    for (i, o) in SHAPES {
        writeln!(
            code,
            "        ({i}, {o}, s{i}x{o}::PATH, crate::tinyae_engines::sweep_boxed::<s{i}x{o}::Full, {i}, {o}>(\"full\"), crate::tinyae_engines::sweep_boxed::<s{i}x{o}::Loops, {i}, {o}>(\"loops\")),"
        )
        .expect("writing to a String");
    }
    code.push_str("    ]\n}\n");
    std::fs::write(out.join("sweep.rs"), code).expect("OUT_DIR is writable");
}
