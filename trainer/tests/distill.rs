//! Distillation: the targets are the teacher's reconstructions (blended with the input by
//! `weight`), and a student trained on them follows the teacher more closely than the same
//! student trained alone.

mod common;

use common::{train_file, waves, waves_config, TempDir};
use tinyae_core::reference;
use tinyae_trainer::config::Config;
use tinyae_trainer::pipeline::{prepare, write_model};

const N: usize = 24;

const TRAIN: &str = "[train]\noptimizer = \"adam\"\nlearning_rate = 0.01\nbatch_size = 16\nepochs = 30\nloss = \"mse\"\n";

/// Mean squared difference of two models' reconstructions (raw units).
fn gap(a: &tinyae_core::Model, b: &tinyae_core::Model, rows: &[Vec<f32>]) -> f64 {
    let mut total = 0.0;
    for x in rows {
        let (ya, yb) = (reference::reconstruct(a, x), reference::reconstruct(b, x));
        total += ya.iter().zip(&yb).map(|(p, q)| f64::from(p - q).powi(2)).sum::<f64>() / N as f64;
    }
    total / rows.len() as f64
}

#[test]
fn a_distilled_student_follows_its_teacher() {
    let dir = TempDir::new("distill");
    let teacher_path = waves_config(
        &dir,
        "teacher",
        400,
        N,
        &format!("[model]\nencoder = [12, 1]\nhidden_activation = \"tanh\"\n{TRAIN}"),
    );
    let teacher = train_file(&teacher_path);
    write_model(&teacher, &dir.path("teacher.safetensors")).expect("teacher file");
    let student = "[model]\nencoder = [2]\nhidden_activation = \"tanh\"\n";
    let alone = train_file(&waves_config(&dir, "alone", 400, N, &format!("{student}{TRAIN}")));
    let distill = |w: f32| {
        format!("{student}{TRAIN}[distill]\nteacher = \"teacher.safetensors\"\nweight = {w}\n")
    };
    let distilled_path = waves_config(&dir, "distilled", 400, N, &distill(1.0));

    // The targets: the teacher's reconstruction of each training row, in the scaled space.
    let prepared = prepare(&Config::load(&distilled_path).expect("config")).expect("data");
    let targets = prepared.settings.targets.as_ref().expect("a distillation run has targets");
    for i in [0, 7, 100] {
        let raw = prepared.train_raw.row(i);
        let want = reference::scale_input(&teacher, &reference::reconstruct(&teacher, raw));
        for (t, w) in targets.row(i).iter().zip(&want) {
            assert!((t - w).abs() < 1e-5, "row {i}: target {t}, teacher {w}");
        }
    }
    let half =
        prepare(&Config::load(&waves_config(&dir, "half", 400, N, &distill(0.5))).expect("config"))
            .expect("data");
    let (x, t) = (half.train.row(3), half.settings.targets.as_ref().expect("targets").row(3));
    let full = targets.row(3);
    for ((x, t), f) in x.iter().zip(t).zip(full) {
        assert!((t - 0.5 * (x + f)).abs() < 1e-5, "weight 0.5: {t} vs ({x} + {f}) / 2");
    }

    let distilled = train_file(&distilled_path);
    let rows: Vec<Vec<f32>> = waves(200, N, 11).x.chunks(N).map(<[f32]>::to_vec).collect();
    let (g_alone, g_distilled) = (gap(&alone, &teacher, &rows), gap(&distilled, &teacher, &rows));
    eprintln!(
        "distance to the teacher's reconstructions: alone {g_alone:.6}, distilled {g_distilled:.6}"
    );
    assert!(g_distilled < 0.5 * g_alone, "alone {g_alone}, distilled {g_distilled}");
    assert!(distilled.provenance.extra.iter().any(|(k, _)| k == "distilled_from"));
}

#[test]
fn distillation_refuses_mae_and_out_of_range_weights() {
    let dir = TempDir::new("distill-bad");
    let body = |loss: &str, w: f32| {
        format!("[model]\nencoder = [2]\n[train]\noptimizer = \"adam\"\nlearning_rate = 0.01\nbatch_size = 16\n\
                 epochs = 1\nloss = \"{loss}\"\n[distill]\nteacher = \"t.safetensors\"\nweight = {w}\n")
    };
    let e = format!(
        "{:#}",
        Config::load(&waves_config(&dir, "mae", 10, N, &body("mae", 1.0))).expect_err("mae")
    );
    assert!(e.contains("`mse` and `bce` only"), "{e}");
    let e = format!(
        "{:#}",
        Config::load(&waves_config(&dir, "w", 10, N, &body("mse", 1.5))).expect_err("weight")
    );
    assert!(e.contains("`distill.weight` is 1.5"), "{e}");
    let config =
        Config::load(&waves_config(&dir, "missing", 10, N, &body("mse", 1.0))).expect("config");
    let e = format!("{:#}", prepare(&config).expect_err("no teacher file"));
    assert!(e.contains("cannot read the teacher"), "{e}");
}
