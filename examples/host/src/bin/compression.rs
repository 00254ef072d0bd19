//! Compression (seeds 000 and 001): the device encodes a digit with the encoder-only part of
//! the shipped MNIST model (`parts = encoder`, the part that also runs in the Cortex-M4F
//! firmware) and sends the 32-value code; the receiver decodes it with the decoder-only part
//! (`parts = decoder`). Prints bytes per image for the raw pixels and for the code stored as
//! f32, f16 and int8, with the ratios and the MSE and PSNR of each on the 10,000 test images;
//! draws original / code (the tutorial's 8×4 picture) / reconstruction.
//!
//! `cargo run --release -p tinyae-examples --bin compression [-- --out DIR]`
//! (pictures: docs/gallery/compression.png)

use std::process::ExitCode;

use half::f16;
use tinyae_examples::digits::{quality, unit, Digits, PIXELS};
use tinyae_examples::gallery::{image_grid, out_dir, ImageRow};

tinyae::autoencoder!(pub DeviceEncoder = "../../models/mnist.safetensors", parts = encoder);
tinyae::autoencoder!(pub Receiver = "../../models/mnist.safetensors", parts = decoder);
tinyae::autoencoder!(pub Whole = "../../models/mnist.safetensors");

const CODE: usize = DeviceEncoder::LATENT_LEN;

fn main() -> ExitCode {
    tinyae_examples::exit_code(run())
}

/// Per code value, the range seen on training images: the int8 code is `round((z - lo) / step)`
/// in 0..=255, and the receiver keeps `lo` and `step` (2 × 32 f32, sent once).
struct Int8Code {
    lo: [f32; CODE],
    step: [f32; CODE],
}

impl Int8Code {
    fn calibrate(codes: &[[f32; CODE]]) -> Self {
        let mut lo = [f32::INFINITY; CODE];
        let mut hi = [f32::NEG_INFINITY; CODE];
        for z in codes {
            for d in 0..CODE {
                lo[d] = lo[d].min(z[d]);
                hi[d] = hi[d].max(z[d]);
            }
        }
        let step =
            core::array::from_fn(|d| if hi[d] > lo[d] { (hi[d] - lo[d]) / 255.0 } else { 1.0 });
        Int8Code { lo, step }
    }

    fn encode(&self, z: &[f32; CODE]) -> [u8; CODE] {
        core::array::from_fn(|d| {
            ((z[d] - self.lo[d]) / self.step[d]).round().clamp(0.0, 255.0) as u8
        })
    }

    fn decode(&self, q: &[u8; CODE]) -> [f32; CODE] {
        core::array::from_fn(|d| self.lo[d] + f32::from(q[d]) * self.step[d])
    }
}

fn run() -> Result<(), String> {
    let out = out_dir()?;
    let test = Digits::load("t10k")?;
    let train = Digits::load("train")?.first(10_000);
    let int8 =
        Int8Code::calibrate(&train.images.iter().map(DeviceEncoder::encode).collect::<Vec<_>>());

    let mut scratch = DeviceEncoder::new_scratch();
    let mut decoder_scratch = Receiver::new_scratch();
    let (mut z, mut y) = ([0f32; CODE], [0f32; PIXELS]);
    let mut decoded: [Vec<Vec<f32>>; 3] = Default::default();
    let mut codes = Vec::new();
    let mut whole_equal = true;
    for x in &test.images {
        DeviceEncoder::encode_into(x, &mut scratch, &mut z);
        let variants = [z, z.map(|v| f16::from_f32(v).to_f32()), int8.decode(&int8.encode(&z))];
        for (k, code) in variants.iter().enumerate() {
            Receiver::decode_into(code, &mut decoder_scratch, &mut y);
            decoded[k].push(unit(&y));
        }
        whole_equal &= Whole::reconstruct(x)
            .iter()
            .zip(&decoded[0][decoded[0].len() - 1])
            .all(|(a, b)| (a / 255.0).to_bits() == b.to_bits());
        codes.push(z);
    }
    let originals: Vec<Vec<f32>> = test.images.iter().map(|x| unit(x)).collect();

    println!("MNIST test images: {}", test.images.len());
    println!(
        "device: encoder part, {PIXELS} → {CODE}: {} MACs, {} bytes of weights (f32)",
        DeviceEncoder::MACS,
        DeviceEncoder::WEIGHT_BYTES
    );
    println!(
        "receiver: decoder part, {CODE} → {PIXELS}: {} MACs, {} bytes of weights (f32)",
        Receiver::MACS,
        Receiver::WEIGHT_BYTES
    );
    println!("encoder part then decoder part = the whole model's reconstruct, bit for bit: {whole_equal}\n");
    println!(
        "| sent per image | bytes | vs raw u8 pixels | vs f32 pixels | test MSE | mean PSNR |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!("| raw pixels (u8) | {PIXELS} | 1× | 4× | 0 | ∞ |");
    let names = ["code as f32", "code as f16", "code as int8"];
    let bytes = [4 * CODE, 2 * CODE, CODE];
    for k in 0..3 {
        let (mse, psnr) = quality(originals.iter().zip(&decoded[k]).map(|(a, b)| (&a[..], &b[..])));
        println!(
            "| {} | {} | {:.1}× | {:.1}× | {mse:.5} | {psnr:.2} dB |",
            names[k],
            bytes[k],
            PIXELS as f64 / bytes[k] as f64,
            (4 * PIXELS) as f64 / bytes[k] as f64,
        );
    }
    println!(
        "(int8: per code value, 0..=255 over the range seen on 10,000 training images; the \
         receiver keeps those {} bytes once)",
        2 * 4 * CODE
    );

    let shown = 10;
    let code_max = codes[..shown].iter().flatten().copied().fold(0f32, f32::max);
    let rows = [
        ImageRow::digits("original", originals[..shown].to_vec()),
        ImageRow {
            label: "code (8×4)".into(),
            images: codes[..shown].iter().map(|z| z.to_vec()).collect(),
            shape: (8, 4),
            range: (0.0, code_max),
        },
        ImageRow::digits("from f32 code", decoded[0][..shown].to_vec()),
        ImageRow::digits("from int8 code", decoded[2][..shown].to_vec()),
    ];
    let path = out.join("compression.png");
    image_grid(&path, "MNIST compressed to 32 values (784-128-64-32 encoder part)", &rows, 6)?;
    println!("\nwrote {}", path.display());
    Ok(())
}
