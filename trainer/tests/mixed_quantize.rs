//! `tinyae quantize --only encoder|decoder`: one half int8, the other kept exactly as trained.

mod common;

use std::process::{Command, Output};

use common::{repo, TempDir};
use tinyae_core::quant;

fn tinyae(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinyae")).current_dir(repo()).args(args).output().unwrap()
}

#[test]
fn only_one_half_is_quantized_and_the_other_is_unchanged() {
    let dir = TempDir::new("mixed-quantize");
    let original =
        tinyae_core::load(&std::fs::read(repo().join("models/sensor.safetensors")).unwrap())
            .unwrap();
    for (half, int8_encoder) in [("encoder", true), ("decoder", false)] {
        let out = dir.path(&format!("{half}.safetensors"));
        let o = out.to_str().unwrap();
        let args = ["quantize", "models/sensor.safetensors", "--config", "configs/sensor.toml"];
        let run = tinyae(&[&args[..], &["--precision", "int8", "--only", half, "-o", o]].concat());
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let m = tinyae_core::load(&std::fs::read(&out).unwrap()).unwrap();
        let k = m.latent_layer;
        for (j, (layer, before)) in m.layers.iter().zip(&original.layers).enumerate() {
            let int8 = (j <= k) == int8_encoder;
            assert_eq!(quant::of(layer).is_some(), int8, "{half}: layer {j}");
            if !int8 {
                assert!(layer.op == before.op, "{half}: float layer {j} kept as trained");
            }
        }
        assert!(m.anomaly.is_some(), "threshold recalibrated");
    }
    let f16 = tinyae(&[
        "quantize",
        "models/sensor.safetensors",
        "--config",
        "configs/sensor.toml",
        "--precision",
        "f16",
        "--only",
        "encoder",
    ]);
    let stderr = String::from_utf8_lossy(&f16.stderr);
    assert!(
        !f16.status.success() && stderr.contains("--only works with --precision int8"),
        "{stderr}"
    );
}
