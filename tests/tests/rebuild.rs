//! Cargo rebuilds a crate that uses `autoencoder!` when the model file changes.
//!
//! Builds a scratch crate that prints its model's constants, rewrites the model file with a
//! different architecture, rebuilds, and checks the printed constants changed. Without the
//! macro's `include_bytes!` tracking the second build would be a no-op and print stale values.

use std::path::{Path, PathBuf};
use std::process::Command;

use tinyae_core::{format, synth, Activation};
use tinyae_tests::repo_root;

fn write_model(path: &Path, widths: &[usize]) {
    let model = synth::dense_autoencoder(widths, Activation::Relu, Activation::Linear, 3);
    format::write_atomic(path, &format::to_bytes(&model).expect("serialize")).expect("write model");
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("TINYAE_MANIFEST_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo {args:?} failed:\n{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn editing_the_model_file_triggers_a_rebuild() {
    let root = repo_root();
    let work: PathBuf = root.join("target").join("rebuild-test");
    let krate = work.join("user-crate");
    std::fs::create_dir_all(krate.join("src")).expect("create crate");
    std::fs::create_dir_all(krate.join("models")).expect("create models");
    let runtime = root.join("runtime");
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"rebuild-user\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ntinyae = {{ path = {:?} }}\n\n[workspace]\n",
            runtime.display().to_string()
        ),
    )
    .expect("write manifest");
    std::fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock")).expect("copy lockfile");
    std::fs::write(
        krate.join("src/main.rs"),
        "tinyae::autoencoder!(Ae = \"models/ae.safetensors\");\n\
         fn main() { println!(\"{} {} {}\", Ae::INPUT_LEN, Ae::LATENT_LEN, Ae::PARAMS); }\n",
    )
    .expect("write main");
    let model = krate.join("models/ae.safetensors");
    let target = work.join("target");
    let run = || cargo(&krate, &target, &["run", "--quiet", "--offline"]);

    write_model(&model, &[3, 2, 3]);
    assert_eq!(run().trim(), "3 2 17");

    // Coarse file systems keep whole-second mtimes: make the rewrite visibly newer.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    write_model(&model, &[4, 3, 4]);
    assert_eq!(run().trim(), "4 3 31", "the crate was not rebuilt after the model changed");

    // And nothing changes without an edit (no spurious rebuilds either).
    assert_eq!(run().trim(), "4 3 31");
}
