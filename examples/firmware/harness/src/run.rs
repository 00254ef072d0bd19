//! The test run: every generated function on every test vector, printed as f32 bit patterns,
//! then the stack and instruction measurements. `tests/tests/firmware.rs` parses this text:
//!
//! ```text
//! tinyae-firmware 1
//! model <name> macs <n> weight_bytes <n> scratch_len <n> buffer_bytes <n> stack_bytes <n> frame_bytes <n>
//! out <name> <function> <vector index> <hex bits>...
//! stack <name> <function> <bytes> | ... at-least <bytes> | ... n/a
//! stream <name> stream_bytes <n> window <n> reading_len <n>   (window models, `stream.rs`)
//! bench <name> <function> <vector index>      (one per counted region, in plugin order)
//! cycles <name> <function> <vector index> <n>  (after its `bench` line, on boards with a clock)
//! end
//! ```

use core::hint::black_box;

use tinyae::{AnomalyDetector, ModelInfo};

use crate::measure::{bench, stack_peak, Peak};
use crate::Console;

/// A free-running CPU cycle counter of a real board (QEMU models no cycles: the emulated
/// boards count instructions with the plugin instead).
pub type Clock = fn() -> u64;

/// [`exercise`] for each `"feature" module N L`: the model `crate::models::module::Model`, on
/// its vectors, when its feature is on, reported under the module's name.
macro_rules! exercise_models {
    ($c:ident, $bottom:ident, $clock:ident;
     $($feature:literal $m:ident $n:literal $l:literal),* $(,)?) => {
        $(
            #[cfg(feature = $feature)]
            {
                use crate::models::$m::{Model, INPUTS, LATENTS};
                exercise::<Model, $n, $l>($c, stringify!($m), &INPUTS, &LATENTS, $bottom, $clock);
            }
        )*
    };
}

/// Runs every model compiled in; `stack_bottom` is the lowest address of the stack region.
pub fn run(c: &mut impl Console, stack_bottom: usize) {
    run_timed(c, stack_bottom, None);
}

/// [`run`], and with a `clock` each counted region is also timed: a `cycles` line follows
/// its `bench` line.
pub fn run_timed(c: &mut impl Console, stack_bottom: usize, clock: Option<Clock>) {
    c.str("tinyae-firmware 1\n");
    bench(|| ()); // an empty region: the counting overhead, reported by the measure script
    c.str("bench empty empty 0\n");
    exercise_models!(c, stack_bottom, clock;
        "sensor" sensor 3 2,
        "ecg5000" ecg5000 140 8,
        "mnist" mnist 784 32,
        "sensor_fma" sensor_fma 3 2,
        "mnist_fma" mnist_fma 784 32,
        "activations" activations 140 8,
        "mnist_conv" mnist_conv 784 784,
    );
    #[cfg(feature = "mnist_conv_into")]
    {
        use crate::models::mnist_conv::{Model, INPUTS, LATENTS};
        crate::lean::exercise::<Model, 784, 784>(
            c,
            "mnist_conv_into",
            &INPUTS,
            &LATENTS,
            stack_bottom,
        );
    }
    exercise_models!(c, stack_bottom, clock;
        "ecg5000_lstm" ecg5000_lstm 140 32,
        "keras_ecg" keras_ecg 140 8,
    );
    crate::parts::run(c, stack_bottom);
    #[cfg(feature = "nab_stream")]
    crate::stream::exercise(c, stack_bottom);
    c.str("end\n");
}

fn exercise<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(
    c: &mut impl Console,
    name: &str,
    inputs: &[[f32; N]],
    latents: &[[f32; L]],
    stack_bottom: usize,
    clock: Option<Clock>,
) {
    constants::<M>(c, name);

    let mut scratch = M::new_scratch();
    let mut y = [0.0f32; N];
    let mut z = [0.0f32; L];
    for (k, x) in inputs.iter().enumerate() {
        out(c, name, "encode", k, &M::encode(x));
        out(c, name, "reconstruct", k, &M::reconstruct(x));
        out(c, name, "score", k, &[M::anomaly_score(x)]);
        // As an integer: an f32 select between 0.0 and 1.0 is what upstream LLVM's Xtensa
        // backend cannot compile.
        c.str("out ");
        c.str(name);
        c.str(" is_anomaly");
        c.dec(k);
        c.word(u32::from(M::is_anomaly(x)));
        c.str("\n");
        M::encode_into(x, &mut scratch, &mut z);
        out(c, name, "encode_into", k, &z);
        M::reconstruct_into(x, &mut scratch, &mut y);
        out(c, name, "reconstruct_into", k, &y);
        let score = M::anomaly_score_into(x, &mut scratch, &mut y);
        out(c, name, "score_into", k, &[score]);
    }
    for (k, latent) in latents.iter().enumerate() {
        out(c, name, "decode", k, &M::decode(latent));
        M::decode_into(latent, &mut scratch, &mut y);
        out(c, name, "decode_into", k, &y);
    }

    // Stack: by-value functions (the macro's STACK_BYTES bounds them), called the way
    // a user calls them, then `*_into` with the buffers owned by the caller (frames only).
    if let (Some(x), Some(latent)) = (inputs.first(), latents.first()) {
        let (x, latent) = (*x, *latent);
        let by_value: [(&str, &mut dyn FnMut()); 5] = [
            ("encode", &mut || {
                let z = M::encode(&x);
                black_box(&z);
            }),
            ("decode", &mut || {
                let y = M::decode(&latent);
                black_box(&y);
            }),
            ("reconstruct", &mut || {
                let y = M::reconstruct(&x);
                black_box(&y);
            }),
            ("anomaly_score", &mut || {
                black_box(M::anomaly_score(&x));
            }),
            ("is_anomaly", &mut || {
                black_box(M::is_anomaly(&x));
            }),
        ];
        for (function, f) in by_value {
            stack(c, name, function, stack_peak(stack_bottom, f));
        }
        let peak = stack_peak(stack_bottom, &mut || {
            M::encode_into(&x, &mut scratch, &mut z);
        });
        stack(c, name, "encode_into", peak);
        let peak = stack_peak(stack_bottom, &mut || {
            M::reconstruct_into(&x, &mut scratch, &mut y);
        });
        stack(c, name, "reconstruct_into", peak);
        let peak = stack_peak(stack_bottom, &mut || {
            black_box(M::anomaly_score_into(&x, &mut scratch, &mut y));
        });
        stack(c, name, "anomaly_score_into", peak);
    }

    // Instructions: one counted region per call, in this order (timed too with a clock).
    for (k, x) in inputs.iter().enumerate() {
        let cycles = timed(clock, || {
            bench(|| once_reconstruct_into::<M, N, L>(x, &mut scratch, &mut y));
        });
        region(c, name, "reconstruct_into", k, cycles);
    }
    if let Some(x) = inputs.first() {
        let cycles =
            timed(clock, || bench(|| once_encode_into::<M, N, L>(x, &mut scratch, &mut z)));
        region(c, name, "encode_into", 0, cycles);
        let cycles = timed(clock, || {
            bench(|| {
                black_box(once_anomaly_score_into::<M, N, L>(x, &mut scratch, &mut y));
            });
        });
        region(c, name, "anomaly_score_into", 0, cycles);
    }
    black_box((&y, &z));
}

/// `once_f(x, scratch, out)`: one call of `M::f`, for a counted region. One inference per
/// call and never inlined into the counted region's neighbours, so the optimizer cannot move
/// work across the markers.
macro_rules! once {
    ($($name:ident: $f:ident(&mut [f32; $len:ident]) $(-> $ret:ty)?;)*) => {
        $(
            #[inline(never)]
            pub(crate) fn $name<M: AnomalyDetector<N, L>, const N: usize, const L: usize>(
                x: &[f32; N],
                s: &mut M::Scratch,
                out: &mut [f32; $len],
            ) $(-> $ret)? {
                M::$f(black_box(x), s, out)
            }
        )*
    };
}

once! {
    once_reconstruct_into: reconstruct_into(&mut [f32; N]);
    once_encode_into: encode_into(&mut [f32; L]);
    once_anomaly_score_into: anomaly_score_into(&mut [f32; N]) -> f32;
}

/// The cycles `f` took on `clock`, if there is one.
#[inline(always)]
fn timed(clock: Option<Clock>, f: impl FnOnce()) -> Option<u64> {
    let start = clock.map(|now| now());
    f();
    Some(clock?().wrapping_sub(start?))
}

/// The `bench` line of a counted region, and its `cycles` line when it was timed.
pub(crate) fn region(
    c: &mut impl Console,
    name: &str,
    function: &str,
    k: usize,
    cycles: Option<u64>,
) {
    for (kind, value) in [("bench ", None), ("cycles ", cycles)] {
        if kind == "cycles " && value.is_none() {
            continue;
        }
        c.str(kind);
        c.str(name);
        c.str(" ");
        c.str(function);
        c.dec(k);
        if let Some(n) = value {
            // Saturating on 32-bit cores: 2^32 cycles is half a minute at 160 MHz.
            c.dec(usize::try_from(n).unwrap_or(usize::MAX));
        }
        c.str("\n");
    }
}

/// The `model` line: the generated type's size constants.
pub(crate) fn constants<M: ModelInfo>(c: &mut impl Console, name: &str) {
    c.str("model ");
    c.str(name);
    for (key, value) in crate::constants::model_constants::<M>() {
        c.str(" ");
        c.str(key);
        c.dec(value);
    }
    c.str("\n");
}

pub(crate) fn out(c: &mut impl Console, name: &str, function: &str, k: usize, values: &[f32]) {
    c.result(name, function, k, values.iter().map(|v| v.to_bits()));
}

pub(crate) fn stack(c: &mut impl Console, name: &str, function: &str, peak: Peak) {
    c.str("stack ");
    c.str(name);
    c.str(" ");
    c.str(function);
    match peak {
        Peak::Bytes(b) => c.dec(b),
        Peak::AtLeast(b) => {
            c.str(" at-least");
            c.dec(b);
        }
        Peak::Unmeasured => c.str(" n/a"),
    }
    c.str("\n");
}

/// The firmware the size table measures: one `anomaly_score_into` per model compiled in, on
/// an input the optimizer cannot see, with the result kept alive. Nothing else.
pub fn probe() {
    #[cfg(feature = "sensor")]
    probe_one::<crate::models::sensor::Model, 3, 2>();
    #[cfg(feature = "ecg5000")]
    probe_one::<crate::models::ecg5000::Model, 140, 8>();
    #[cfg(feature = "mnist")]
    probe_one::<crate::models::mnist::Model, 784, 32>();
    #[cfg(feature = "activations")]
    probe_one::<crate::models::activations::Model, 140, 8>();
    #[cfg(any(feature = "mnist_conv", feature = "mnist_conv_into"))]
    probe_one::<crate::models::mnist_conv::Model, 784, 784>();
    #[cfg(feature = "ecg5000_lstm")]
    probe_one::<crate::models::ecg5000_lstm::Model, 140, 32>();
    #[cfg(feature = "keras_ecg")]
    probe_one::<crate::models::keras_ecg::Model, 140, 8>();
}

#[allow(dead_code)] // unused when no model is compiled in (the probe's baseline)
fn probe_one<M: AnomalyDetector<N, L>, const N: usize, const L: usize>() {
    let x = black_box([0.0f32; N]);
    let mut scratch = M::new_scratch();
    let mut y = [0.0f32; N];
    black_box(M::anomaly_score_into(&x, &mut scratch, &mut y));
}
