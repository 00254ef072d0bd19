//! Bad data stops `tinyae train` with a message naming the file and line, and nothing is
//! written: no model, no checkpoint, no history.

mod common;

use std::process::Command;

use common::TempDir;

const CSV: &str =
    "format = \"csv\"\ntrain = \"x.csv\"\nlabel_column = \"label\"\nnormal_labels = [\"normal\"]";
const IDX: &str = "format = \"idx\"\ntrain = \"x.idx\"";

const CONFIG: &str = r#"
name = "bad"
output = "out/model.safetensors"
[data]
DATA
[model]
encoder = [2]
[train]
optimizer = "adam"
learning_rate = 0.01
batch_size = 4
epochs = 2
"#;

/// Writes `files`, runs `tinyae train` on a config with the `[data]` section `data`, and
/// returns its stderr after checking that it failed and wrote nothing.
fn train_fails(tag: &str, data: &str, files: &[(&str, &[u8])]) -> String {
    let dir = TempDir::new(tag);
    for (name, bytes) in files {
        std::fs::write(dir.path(name), bytes).unwrap();
    }
    std::fs::write(dir.path("config.toml"), CONFIG.replace("DATA", data)).unwrap();
    let before = dir.files();
    let out = Command::new(env!("CARGO_BIN_EXE_tinyae"))
        .args(["train", "-q"])
        .arg(dir.path("config.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{tag}: training succeeded on bad data");
    assert_eq!(dir.files(), before, "{tag}: files were written: {stderr}");
    stderr
}

fn assert_says(stderr: &str, parts: &[&str]) {
    for p in parts {
        assert!(stderr.contains(p), "expected `{p}` in:\n{stderr}");
    }
}

/// One test per case: `name: tag, [data] section, file => its bytes, says [...]`: training
/// fails, writes nothing, and its stderr says each of the listed parts.
macro_rules! bad_data {
    ($($name:ident: $tag:literal, $data:expr, $file:literal => $bytes:expr,
       says [$($says:literal),+ $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                let e = train_fails($tag, $data, &[($file, $bytes)]);
                assert_says(&e, &[$($says),+]);
            }
        )*
    };
}

const UCR: &str = "format = \"ucr\"\ntrain = \"x.tsv\"\nnormal_labels = [1]";

bad_data! {
    ragged_row: "ragged", CSV, "x.csv" => b"a,b,label\n1,2,normal\n3,normal\n4,5,normal\n",
        says ["x.csv:3:", "expected 3 fields like line 2, found 2"];
    nan_value: "nan", CSV, "x.csv" => b"a,b,label\n1,2,normal\n3,NaN,normal\n",
        says ["x.csv:3, field 2:", "\"NaN\" is not a finite number"];
    not_a_number: "text", UCR, "x.tsv" => b"1\t0.5\t0.25\n1\t0.5\tabc\n",
        says ["x.tsv:2, field 3:", "\"abc\" is not a number"];
    empty_file: "empty", CSV, "x.csv" => b"",
        says ["x.csv", "the file is empty"];
    missing_label_column: "label", CSV, "x.csv" => b"a,b,class\n1,2,normal\n",
        says ["x.csv:1:", "no column named \"label\"", "columns: a, b, class"];
    no_row_has_a_normal_label: "nolabel", CSV, "x.csv" => b"a,b,label\n1,2,fault\n",
        says ["x.csv", "no row has a label in {normal}", "labels found: {fault}"];
    wrong_idx_magic: "magic", IDX, "x.idx" => b"\x1f\x00\x08\x03rest",
        says ["x.idx", "wrong IDX magic 1f 00 08 03"];
}

#[test]
fn truncated_idx() {
    let mut idx = vec![0u8, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
    idx.extend_from_slice(&[1, 2, 3, 4, 5]); // 2×2×2 needs 8 bytes
    let e = train_fails("trunc", IDX, &[("x.idx", &idx)]);
    assert_says(&e, &["x.idx", "IDX header promises 2×2×2 = 8 values, the file holds 5"]);
}

#[test]
fn unknown_config_key_names_the_key() {
    let dir = TempDir::new("key");
    let config = CONFIG.replace("DATA", CSV).replace("epochs = 2", "epochs = 2\nepoch = 3");
    std::fs::write(dir.path("config.toml"), config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tinyae"))
        .args(["train"])
        .arg(dir.path("config.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_says(&String::from_utf8_lossy(&out.stderr), &["config.toml", "unknown field `epoch`"]);
}
