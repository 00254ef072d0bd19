//! Quantization-aware training: the simulated int8 forward pass is the int8 reference
//! interpreter's arithmetic (to a rounding step), and fine-tuning with it lowers the int8
//! model's error below post-training quantization's.

mod common;

use common::{waves, waves_config, TempDir};
use tinyae_core::reference;
use tinyae_trainer::config::Config;
use tinyae_trainer::export::from_model;
use tinyae_trainer::pipeline::{build_model, prepare, train, Prepared};
use tinyae_trainer::qat::{fake_quant_weights, forward, qat};
use tinyae_trainer::quantize::{calibration_rows, reduce, Precision};
use tinyae_trainer::train::{fit, Outcome, Settings, Silent, State};

const N: usize = 24;

fn trained(dir: &TempDir) -> (Prepared, tinyae_core::Model) {
    let path = waves_config(
        dir,
        "qat",
        400,
        N,
        "[model]\nencoder = [12, 3]\nhidden_activation = \"tanh\"\noutput_activation = \"sigmoid\"\n\
         [train]\noptimizer = \"adam\"\nlearning_rate = 0.01\nbatch_size = 16\nepochs = 40\n",
    );
    let prepared = prepare(&Config::load(&path).expect("config")).expect("data");
    let t = train(&prepared, &mut Silent, None, None).expect("trains");
    (prepared, t.model)
}

/// Mean squared error of a model's reconstructions of raw rows, in the scaled space.
fn error(model: &tinyae_core::Model, rows: &[Vec<f32>]) -> f64 {
    let mut total = 0.0;
    for row in rows {
        let x = reference::scale_input(model, row);
        let y = reference::run_from(&model.layers, &model.input_shape, &x);
        total += x.iter().zip(&y).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>() / N as f64;
    }
    total / rows.len() as f64
}

#[test]
fn the_simulated_forward_pass_is_the_int8_arithmetic() {
    let dir = TempDir::new("qat-forward");
    let (prepared, model) = trained(&dir);
    let rows = calibration_rows(&prepared.train_raw, 2000);
    let cal = tinyae_core::quantize::calibrate(&model, &rows).expect("calibrates");
    let int8 = tinyae_core::quantize::to_int8(&model, &cal).expect("int8");
    let mut net = from_model(&model).expect("net");
    net.set_param_values(&fake_quant_weights(&net, &net.param_values()));
    let out_step = cal.layers.last().expect("layers").2.qparams().scale;
    let (mut worst, mut total, mut count) = (0f32, 0f32, 0usize);
    for row in rows.iter().take(100) {
        let x = reference::scale_input(&model, row);
        let want = reference::run(&int8.layers, &x);
        let got = forward(&net, &cal, net.batch(x, 1), false).as_vec();
        for (a, b) in want.iter().zip(&got) {
            let steps = (a - b).abs() / out_step;
            worst = worst.max(steps);
            total += steps;
            count += 1;
        }
    }
    eprintln!(
        "simulated vs int8 reference: worst {worst} steps, mean {} steps",
        total / count as f32
    );
    // Float sums of rounded values can land on the other side of a rounding boundary than the
    // integer sums now and then; one pre-activation step through the steep part of the sigmoid
    // table moves the output by up to a few steps.
    assert!(worst <= 4.0 + 1e-3, "worst difference {worst} output steps");
    assert!(total / (count as f32) < 0.1, "mean difference {} output steps", total / count as f32);
}

#[test]
fn fine_tuning_with_int8_simulated_beats_post_training_int8() {
    let dir = TempDir::new("qat-gain");
    let (prepared, model) = trained(&dir);
    let ptq = reduce(&model, Precision::Int8, &prepared, 2000).expect("ptq");
    let (qat_model, _) = qat(&model, &prepared, 10, 2000, |_| {}).expect("qat");
    // The control: the same 10 epochs of fine-tuning in f32, then post-training int8, so the
    // gain is not just from training longer.
    let mut net = from_model(&model).expect("net");
    let s = Settings { epochs: 10, early_stopping: None, ..prepared.settings.clone() };
    let mut state = State::new(&net, s.optimizer);
    fit(&mut net, &prepared.train, None, &s, &mut state, &mut Silent).expect("fine-tunes");
    let tuned = build_model(&prepared, &net, &state, Outcome::Completed).expect("model");
    let tuned_ptq = reduce(&tuned, Precision::Int8, &prepared, 2000).expect("ptq");
    let test: Vec<Vec<f32>> = waves(300, N, 9).x.chunks(N).map(<[f32]>::to_vec).collect();
    let (f32_err, ptq_err, qat_err) =
        (error(&model, &test), error(&ptq, &test), error(&qat_model, &test));
    let (tuned_err, tuned_ptq_err) = (error(&tuned, &test), error(&tuned_ptq, &test));
    eprintln!(
        "test MSE: f32 {f32_err:.6}, post-training int8 {ptq_err:.6}, QAT int8 {qat_err:.6}; \
         fine-tuned f32 {tuned_err:.6}, its post-training int8 {tuned_ptq_err:.6}"
    );
    assert!(qat_err < 0.9 * ptq_err, "QAT {qat_err} vs post-training {ptq_err}");
    assert!(
        qat_err < tuned_ptq_err,
        "QAT {qat_err} vs fine-tuned then post-training {tuned_ptq_err}"
    );
    assert!(qat_model.provenance.extra.iter().any(|(k, _)| k == "quantization_aware_training"));
}
