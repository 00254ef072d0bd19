//! Kernel lab (Cortex-M4F, QEMU mps2-an386): exact instruction counts of dense-layer kernels on
//! the MNIST- and ECG-sized layer shapes, and of the activations, so a kernel change can be
//! judged in instructions per MAC before it goes into the runtime. Every kernel's outputs are
//! compared bit for bit with the Rust loop's.
//!
//! Run: `scripts/kernel-lab.sh` (builds, runs under the counting plugin, prints the table).
//! The report lines are `bench lab <kernel> <layer> <macs>` in the order of the plugin's
//! regions, and `same <kernel> <layer>` or `DIFF ...` for the bit comparison.
#![no_std]
#![no_main]

mod kernels;
mod mnist16;

use core::hint::black_box;

use cortex_m_rt::entry;
use tinyae_firmware::semihosting::{exit, HostConsole};
use tinyae_firmware::{bench, Console};

/// Deterministic values in [-0.5, 0.5): a 32-bit LCG, exact in f32.
struct Lcg(u32);

impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (self.0 >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    }
}

/// Weights in RAM (QEMU's RAM costs the same instructions as flash), blocked by `B` outputs.
static mut WEIGHTS: [f32; 784 * 128] = [0.0; 784 * 128];

/// One layer `I -> O`: every kernel on every block of 16 outputs (`O` a multiple of 16).
fn layer<const I: usize, const O: usize>(c: &mut HostConsole, name: &str, seed: u32) {
    let mut rng = Lcg(seed);
    let mut x = [0.0f32; I];
    for v in &mut x {
        *v = rng.next();
    }
    // SAFETY: single-threaded; the only reference to the buffer while this function runs.
    let buf = unsafe { &mut *core::ptr::addr_of_mut!(WEIGHTS) };
    for v in buf.iter_mut().take(I * O) {
        *v = rng.next();
    }
    let macs = I * O;

    let mut reference = [[0.0f32; 16]; 8];
    let blocks = O / 16;
    rust_blocks(buf, &x, &mut reference, blocks);
    label(c, "rust-block16", name, macs);
    let tiles = |b: usize| -> &[[f32; 16]; I] {
        // SAFETY: block `b` is `I * 16` consecutive floats inside the buffer (`b < O / 16`).
        unsafe { &*buf.as_ptr().add(b * I * 16).cast::<[[f32; 16]; I]>() }
    };

    let mut out = [[0.0f32; 16]; 8];
    bench(|| {
        for (b, acc) in out.iter_mut().enumerate().take(blocks) {
            kernels::asm_block16::<I>(black_box(tiles(b)), &x, acc);
        }
    });
    label(c, "asm-block16", name, macs);
    compare(c, "asm-block16", name, &reference, &out);

    // Blocks of 32 and 8 outputs (the same weights, read as other block shapes).
    let mut out32 = [[0.0f32; 32]; 4];
    rust_blocks(buf, &x, &mut out32, O / 32);
    label(c, "rust-block32", name, macs);
    let mut out8 = [[0.0f32; 8]; 16];
    rust_blocks(buf, &x, &mut out8, O / 8);
    label(c, "rust-block8", name, macs);
}

/// One counted region: `kernels::rust_block` on the first `blocks` blocks of `B` outputs, block
/// `b` being the `I * B` weights from `b * I * B` in the buffer, into `out[b]`. Inlined, so
/// each region's code is what `layer` had written out per block width.
#[inline(always)]
fn rust_blocks<const I: usize, const B: usize, const N: usize>(
    buf: &[f32],
    x: &[f32; I],
    out: &mut [[f32; B]; N],
    blocks: usize,
) {
    assert!(blocks <= N && blocks * I * B <= buf.len());
    bench(|| {
        for (b, acc) in out.iter_mut().enumerate().take(blocks) {
            // SAFETY: `b < blocks`, so the block's `I * B` floats are inside the buffer.
            let w = unsafe { &*buf.as_ptr().add(b * I * B).cast::<[[f32; B]; I]>() };
            kernels::rust_block::<I, B>(black_box(w), x, acc);
        }
    });
}

fn label(c: &mut HostConsole, kernel: &str, layer: &str, macs: usize) {
    c.str("bench lab ");
    c.str(kernel);
    c.str(" ");
    c.str(layer);
    c.dec(macs);
    c.str("\n");
}

fn compare(c: &mut HostConsole, kernel: &str, layer: &str, a: &[[f32; 16]; 8], b: &[[f32; 16]; 8]) {
    let same = a.iter().flatten().zip(b.iter().flatten()).all(|(p, q)| p.to_bits() == q.to_bits());
    c.str(if same { "same " } else { "DIFF " });
    c.str(kernel);
    c.str(" ");
    c.str(layer);
    c.str("\n");
}

/// Cost of the activations on 784 values (per value: divide the count by 784).
fn activations(c: &mut HostConsole) {
    let mut rng = Lcg(99);
    let mut v = [0.0f32; 784];
    for x in &mut v {
        *x = 8.0 * rng.next();
    }
    let mut y = v;
    bench(|| {
        for (y, x) in y.iter_mut().zip(black_box(&v)) {
            *y = tinyae::activation::relu(*x);
        }
    });
    label(c, "relu", "x784", 784);
    black_box(&y);
    bench(|| {
        for (y, x) in y.iter_mut().zip(black_box(&v)) {
            *y = tinyae::activation::sigmoid(*x);
        }
    });
    label(c, "sigmoid", "x784", 784);
    black_box(&y);
}

tinyae::autoencoder!(Mnist = "../../../models/mnist.safetensors");

/// The shipped MNIST model end to end: the generated `reconstruct_into` against the same model
/// on `asm_block16` (src/mnist16.rs), on one test image; outputs compared bit for bit.
fn mnist_end_to_end(c: &mut HostConsole) {
    let mut x = [0.0f32; 784];
    let mut rng = Lcg(7);
    for v in &mut x {
        // Pixels: mostly 0, some strokes, like the test images.
        let r = rng.next();
        *v = if r > 0.2 { ((r - 0.2) * 850.0) as u32 as f32 } else { 0.0 };
    }
    let mut scratch = Mnist::new_scratch();
    let mut generated = [0.0f32; 784];
    bench(|| Mnist::reconstruct_into(black_box(&x), &mut scratch, &mut generated));
    label(c, "generated", "mnist", Mnist::MACS);
    let mut s = [0.0f32; 784];
    let mut proposed = [0.0f32; 784];
    bench(|| mnist16::reconstruct_into(black_box(&x), &mut s, &mut proposed));
    label(c, "asm-block16", "mnist", Mnist::MACS);
    let same = generated.iter().zip(&proposed).all(|(a, b)| a.to_bits() == b.to_bits());
    c.str(if same {
        "same asm-block16 mnist-end-to-end\n"
    } else {
        "DIFF asm-block16 mnist-end-to-end\n"
    });
}

#[entry]
fn main() -> ! {
    let mut c = HostConsole::open();
    c.str("tinyae-kernel-lab 1\n");
    layer::<784, 128>(&mut c, "784x128", 1);
    layer::<128, 64>(&mut c, "128x64", 2);
    layer::<140, 32>(&mut c, "140x32", 3);
    layer::<32, 128>(&mut c, "32x128", 4);
    activations(&mut c);
    mnist_end_to_end(&mut c);
    c.str("end\n");
    exit(true)
}
