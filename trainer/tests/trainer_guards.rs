//! `tinyae train` refuses or warns where it used to go ahead silently (issue 11, "Trainer"):
//! an empty validation split, a resume on changed data, a resume hint without the overrides,
//! orphaned temporary files, a code wider than the input, an absurd learning rate, and a
//! threshold calibrated on a handful of values.

mod common;

use std::process::{Command, Output};

use common::TempDir;

const CONFIG: &str = r#"
name = "guard"
output = "m.safetensors"
[data]
format = "csv"
train = "x.csv"
VALIDATION
[model]
encoder = ENCODER
[train]
optimizer = "adam"
learning_rate = 0.01
batch_size = 8
epochs = 2
"#;

/// A CSV of `rows` rows of three smooth features.
fn csv(rows: usize, shift: f32) -> String {
    let mut s = String::from("a,b,c\n");
    for i in 0..rows {
        let t = i as f32 * 0.1 + shift;
        s.push_str(&format!("{},{},{}\n", t.sin(), t.cos(), (2.0 * t).sin()));
    }
    s
}

fn setup(tag: &str, rows: usize, validation: &str, encoder: &str) -> TempDir {
    let dir = TempDir::new(tag);
    std::fs::write(dir.path("x.csv"), csv(rows, 0.0)).unwrap();
    let config = CONFIG.replace("VALIDATION", validation).replace("ENCODER", encoder);
    std::fs::write(dir.path("c.toml"), config).unwrap();
    dir
}

fn train(dir: &TempDir, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinyae"))
        .args(["train", "-q"])
        .arg(dir.path("c.toml"))
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_one_row_file_is_an_error_not_an_untrained_model() {
    let dir = setup("one-row", 1, "", "[2]");
    let out = train(&dir, &[]);
    let e = stderr(&out);
    assert!(!out.status.success(), "trained on one row: {e}");
    assert!(e.contains("the validation part is empty"), "{e}");
    assert!(e.contains("`data.validation` = 0.2"), "{e}");
    assert_eq!(dir.files(), ["c.toml", "x.csv"], "files were written");
}

#[test]
fn resume_refuses_when_the_data_file_changed_in_place() {
    let dir = setup("resume-data", 100, "", "[2]");
    assert!(train(&dir, &[]).status.success());
    std::fs::write(dir.path("x.csv"), csv(100, 0.5)).unwrap();
    let out = train(&dir, &["--resume", "--epochs", "4"]);
    let e = stderr(&out);
    assert!(!out.status.success(), "resumed on changed data");
    assert!(e.contains("x.csv (the data file changed since)"), "{e}");
}

#[test]
fn orphaned_temporary_files_of_dead_runs_are_removed_and_nothing_else() {
    let dir = setup("orphans", 100, "", "[2]");
    // A pid above Linux's limit (2^22) is never alive; our own pid is.
    let dead = ".m.safetensors.999999999.tmp";
    let dead_png = ".m.loss.png.999999998.tmp.png";
    let alive = format!(".m.safetensors.{}.tmp", std::process::id());
    let foreign = ".notes.txt.999999999.tmp";
    for f in [dead, dead_png, &alive, foreign] {
        std::fs::write(dir.path(f), b"x").unwrap();
    }
    let out = train(&dir, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = dir.files();
    if std::path::Path::new("/proc/self").exists() {
        assert!(!files.iter().any(|f| f == dead || f == dead_png), "{files:?}");
        assert!(stderr(&out).contains("removed 2 temporary file(s) left by killed runs"));
    }
    assert!(files.contains(&alive) && files.iter().any(|f| f == foreign), "{files:?}");
}

#[test]
fn wide_codes_absurd_learning_rates_and_small_calibration_sets_warn() {
    // 3 features into a code of 8; 60 rows leave 12 for calibration.
    let dir = setup("warnings", 60, "", "[8]");
    let out = train(&dir, &["--learning-rate", "1e30"]);
    let e = stderr(&out);
    assert!(e.contains("warning: the code has 8 values, more than the input's 3"), "{e}");
    assert!(e.contains("warning: `train.learning_rate` is 1e30"), "{e}");
    // A sane run on the same data still warns about its 12 calibration values.
    let dir = setup("calibration", 60, "", "[2]");
    let out = train(&dir, &[]);
    let e = stderr(&out);
    assert!(out.status.success(), "{e}");
    assert!(e.contains("calibrated on only 12 validation value(s)"), "{e}");
    assert!(!e.contains("warning: the code") && !e.contains("learning_rate"), "{e}");
}
