//! Smaller models, measured (seed 000: quantization, pruning, distillation): knowledge
//! distillation (a student a quarter of the teacher's size trained on the teacher's
//! reconstructions, against the same student trained alone) and quantization-aware training
//! (`tinyae qat`, against post-training int8 of the same model and of the model fine-tuned in
//! f32 for as many epochs), on MNIST and ECG5000. Flash is `WEIGHT_BYTES`, MACs per
//! reconstruction, quality through the generated code on the test sets: MNIST test MSE and PSNR,
//! ECG5000 ROC-AUC and accuracy at the calibrated threshold. Draws the MNIST reconstructions.
//!
//! `cargo run --release -p tinyae-examples --bin smaller [-- --out DIR]`
//! (pictures: docs/gallery/smaller.png)

use std::process::ExitCode;

use tinyae::AnomalyDetector;
use tinyae_examples::digits::{quality, unit, Digits, PIXELS};
use tinyae_examples::gallery::{image_grid, out_dir, ImageRow};
use tinyae_examples::{data_path, read_labelled, roc_auc, Counts};

mod mnist {
    tinyae::autoencoder!(pub Teacher = "../../models/mnist.safetensors");
    tinyae::autoencoder!(pub Ptq = "../../models/mnist.int8.safetensors");
    tinyae::autoencoder!(pub TunedPtq = "../../models/mnist.tuned.int8.safetensors");
    tinyae::autoencoder!(pub Qat = "../../models/mnist.qat.int8.safetensors");
    tinyae::autoencoder!(pub Student = "../../models/mnist_student.safetensors");
    tinyae::autoencoder!(pub Distilled = "../../models/mnist_student_distilled.safetensors");
}
mod ecg {
    tinyae::autoencoder!(pub Teacher = "../../models/ecg5000.safetensors");
    tinyae::autoencoder!(pub Ptq = "../../models/ecg5000.int8.safetensors");
    tinyae::autoencoder!(pub TunedPtq = "../../models/ecg5000.tuned.int8.safetensors");
    tinyae::autoencoder!(pub Qat = "../../models/ecg5000.qat.int8.safetensors");
    tinyae::autoencoder!(pub Student = "../../models/ecg5000_student.safetensors");
    tinyae::autoencoder!(pub Distilled = "../../models/ecg5000_student_distilled.safetensors");
}

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

/// `(flash, MACs, test MSE, mean PSNR)` and the first `shown` reconstructions in 0..1.
fn mnist_row<M: AnomalyDetector<PIXELS, L>, const L: usize>(
    name: &str,
    test: &Digits,
    clean: &[Vec<f32>],
) -> Vec<Vec<f32>> {
    let recon: Vec<Vec<f32>> = test.images.iter().map(|x| unit(&M::reconstruct(x))).collect();
    let (mse, psnr) = quality(clean.iter().zip(&recon).map(|(a, b)| (&a[..], &b[..])));
    println!(
        "| MNIST | {name} | {} | {} | test MSE {mse:.5}, PSNR {psnr:.2} dB |",
        M::WEIGHT_BYTES,
        M::MACS
    );
    recon[..10].to_vec()
}

fn ecg_row<M: AnomalyDetector<140, L>, const L: usize>(name: &str, beats: &[(String, Vec<f32>)]) {
    let (mut scores, mut truth, mut flagged) = (Vec::new(), Vec::new(), Vec::new());
    for (label, v) in beats {
        let Ok(x) = <[f32; 140]>::try_from(v.as_slice()) else { continue };
        scores.push(M::anomaly_score(&x));
        flagged.push(M::is_anomaly(&x));
        truth.push(label != "1");
    }
    let (accuracy, ..) = Counts::new(&flagged, &truth).scores();
    println!(
        "| ECG5000 | {name} | {} | {} | ROC-AUC {:.4}, accuracy {accuracy:.3} |",
        M::WEIGHT_BYTES,
        M::MACS,
        roc_auc(&scores, &truth)
    );
}

fn run() -> Result<(), String> {
    let out = out_dir()?;
    let test = Digits::load("t10k")?;
    let clean: Vec<Vec<f32>> = test.images.iter().map(|x| unit(x)).collect();
    println!("| data | model | flash (WEIGHT_BYTES) | MACs | quality on the test set |");
    println!("|---|---|---:|---:|---|");
    // (picture label, table row, the variant's row function), the teacher's variants first.
    type MnistRow = fn(&str, &Digits, &[Vec<f32>]) -> Vec<Vec<f32>>;
    let variants: [(&str, &str, MnistRow); 6] = [
        ("teacher f32", "teacher 784-128-64-32, f32", mnist_row::<mnist::Teacher, 32>),
        ("post-training int8", "teacher, post-training int8", mnist_row::<mnist::Ptq, 32>),
        (
            "tuned, then int8",
            "teacher fine-tuned 3 epochs in f32, then post-training int8",
            mnist_row::<mnist::TunedPtq, 32>,
        ),
        ("QAT int8", "teacher, 3 epochs quantization-aware, int8", mnist_row::<mnist::Qat, 32>),
        ("student alone", "student 784-32, trained alone, f32", mnist_row::<mnist::Student, 32>),
        (
            "student distilled",
            "student 784-32, distilled from the teacher, f32",
            mnist_row::<mnist::Distilled, 32>,
        ),
    ];
    let mut rows = vec![ImageRow::digits("original", clean[..10].to_vec())];
    for (label, name, row) in variants {
        rows.push(ImageRow::digits(label, row(name, &test, &clean)));
    }
    let beats = read_labelled(&data_path("ecg5000/ECG5000_TEST.tsv"), '\t', 0, false)?;
    ecg_row::<ecg::Teacher, 8>("teacher 140-32-16-8, f32", &beats);
    ecg_row::<ecg::Ptq, 8>("teacher, post-training int8", &beats);
    ecg_row::<ecg::TunedPtq, 8>(
        "teacher fine-tuned 50 epochs in f32, then post-training int8",
        &beats,
    );
    ecg_row::<ecg::Qat, 8>("teacher, 50 epochs quantization-aware, int8", &beats);
    ecg_row::<ecg::Student, 8>("student 140-8, trained alone, f32", &beats);
    ecg_row::<ecg::Distilled, 8>("student 140-8, distilled from the teacher, f32", &beats);
    let path = out.join("smaller.png");
    image_grid(
        &path,
        "MNIST test digits through the teacher, its int8 variants and the quarter-size students",
        &rows,
        6,
    )?;
    println!("\nwrote {}", path.display());
    Ok(())
}
