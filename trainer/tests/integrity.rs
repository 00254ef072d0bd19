//! The integrity hash end to end: every written model carries it, a changed bit in the tensor
//! data is an error in every command that reads the file, and `tinyae seal` adds the hash to an
//! older file without changing its tensor data.

mod common;

use std::process::{Command, Output};

use common::{repo, TempDir};
use tinyae_core::format::{data_section, digest, KEY_INTEGRITY};

fn tinyae(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinyae")).current_dir(repo()).args(args).output().unwrap()
}

/// The `__metadata__` value of `key`, read straight from the header JSON.
fn metadata(bytes: &[u8], key: &str) -> Option<String> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    header["__metadata__"][key].as_str().map(str::to_owned)
}

#[test]
fn shipped_models_carry_the_sha256_of_their_tensor_data() {
    for name in ["sensor", "ecg5000", "ecg5000.int8", "mnist_conv"] {
        let bytes = std::fs::read(repo().join(format!("models/{name}.safetensors"))).unwrap();
        let stored = metadata(&bytes, KEY_INTEGRITY).expect("shipped models are sealed");
        // An independent digest: sha2 over the bytes after the header.
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        use sha2::Digest;
        let hex: String =
            sha2::Sha256::digest(&bytes[8 + n..]).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(stored, format!("sha256:{hex}"), "{name}");
    }
}

#[test]
fn a_flipped_bit_in_the_weights_is_an_error_in_every_command() {
    let dir = TempDir::new("integrity-flip");
    let mut bytes = std::fs::read(repo().join("models/sensor.safetensors")).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let path = dir.path("sensor.safetensors");
    std::fs::write(&path, &bytes).unwrap();
    let path = path.to_str().unwrap();
    for args in [
        &["inspect", path][..],
        &["eval", path, "--data", "data/sensor/sensor_test.csv"],
        &["seal", path],
    ] {
        let out = tinyae(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} accepted a changed file");
        assert!(
            stderr.contains("tensor data does not match its integrity hash")
                && stderr.contains("help: re-export it, or remove `tinyae.integrity`"),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(std::fs::read(path).unwrap(), bytes, "seal wrote nothing");
}

#[test]
fn seal_adds_the_hash_without_changing_the_tensor_data() {
    let dir = TempDir::new("integrity-seal");
    let old = std::fs::read(repo().join("trainer/tests/fixtures/tiny.safetensors")).unwrap();
    assert!(metadata(&old, KEY_INTEGRITY).is_none(), "the fixture predates the hash");
    let path = dir.path("tiny.safetensors");
    std::fs::write(&path, &old).unwrap();
    let p = path.to_str().unwrap();
    assert!(!tinyae(&["seal", "--check", p]).status.success(), "--check reports a stale file");
    assert_eq!(std::fs::read(&path).unwrap(), old, "--check writes nothing");
    assert!(tinyae(&["seal", p]).status.success());
    let new = std::fs::read(&path).unwrap();
    assert_eq!(data_section(&new), data_section(&old), "tensor bytes unchanged");
    assert_eq!(metadata(&new, KEY_INTEGRITY), Some(digest(data_section(&old))));
    assert!(tinyae(&["seal", "--check", p]).status.success(), "sealed files pass --check");
    let (a, b) = (tinyae_core::load(&old).unwrap(), tinyae_core::load(&new).unwrap());
    assert!(a.layers == b.layers, "same model");
}
