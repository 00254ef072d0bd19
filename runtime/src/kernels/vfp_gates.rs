//! The LSTM's gate sums on Arm cores with a single-precision FPU (`eabihf`): one unit's four
//! gates over a run of inputs, in registers (`runtime/src/lstm.rs` calls it).
//!
//! A unit's weights are stored input by input, its four gates side by side (`w[k] = [i, f, g,
//! o]`), the order of a dense block four outputs wide: the four sums live in `s0`-`s3`, eight
//! inputs in `s8`-`s15` (one `vldmia`) and the thirty-two weights they meet in `s16`-`s31` (two
//! `vldmia`), so 32 multiply-accumulates take 32 `vmla.f32` and three loads. Rust's loop loads
//! every weight and input with its own `vldr` (about 2.5 instructions per multiply-accumulate).
//!
//! `vmla.f32` rounds the product and then the sum, input by input: `acc + w * x` as the
//! reference interpreter's LSTM adds its terms, bit for bit.

/// Four gates of input register `$x` into `s0`-`s3`, with weights from `$w0`.
macro_rules! gates {
    ($x:literal, $w0:literal, $w1:literal, $w2:literal, $w3:literal) => {
        concat!(
            "vmla.f32 s0, ",
            $x,
            ", ",
            $w0,
            "\n",
            "vmla.f32 s1, ",
            $x,
            ", ",
            $w1,
            "\n",
            "vmla.f32 s2, ",
            $x,
            ", ",
            $w2,
            "\n",
            "vmla.f32 s3, ",
            $x,
            ", ",
            $w3,
            "\n",
        )
    };
}

/// Four inputs (`$a`..`$d`): their sixteen weights in one load, then 16 `vmla.f32`.
macro_rules! four {
    ($a:literal, $b:literal, $c:literal, $d:literal) => {
        concat!(
            "vldmia {w}!, {{s16-s31}}\n",
            gates!($a, "s16", "s17", "s18", "s19"),
            gates!($b, "s20", "s21", "s22", "s23"),
            gates!($c, "s24", "s25", "s26", "s27"),
            gates!($d, "s28", "s29", "s30", "s31"),
        )
    };
}

/// `acc[g] += w[k][g] * x[k]` for each input `k` in order, each gate rounded twice per term.
/// Inputs in runs of eight take the kernel; the last `x.len() % 8` (and any inputs without
/// weights) take the same arithmetic in Rust. (The shipped LSTM runs both: 32 hidden units,
/// one input a step.)
#[allow(unsafe_code)]
#[inline(always)]
pub(crate) fn add_gate_terms(acc: &mut [f32; 4], w: &[[f32; 4]], x: &[f32]) {
    let n = x.len().min(w.len());
    let blocked = n & !7;
    if blocked != 0 {
        // SAFETY: `blocked` is a non-zero multiple of 8 and at most `n`, the length of both
        // `x` and `w`: the kernel reads `blocked` inputs and `blocked` rows of four weights,
        // front to back, and reads and writes the four sums of `acc`, which nothing else
        // borrows. Every register written is declared (the pointers and counter as inouts or
        // outputs, `s0`-`s3` and `s8`-`s31` as clobbers: the compiler saves `s16`-`s31`); the
        // flags are not preserved; no stack is used.
        unsafe {
            core::arch::asm!(
                "vldmia {acc}, {{s0-s3}}",
                "lsrs {t}, {n}, #3",
                "1:",
                "vldmia {x}!, {{s8-s15}}",
                four!("s8", "s9", "s10", "s11"),
                four!("s12", "s13", "s14", "s15"),
                "subs {t}, {t}, #1",
                "bne 1b",
                "vstmia {acc}, {{s0-s3}}",
                acc = in(reg) acc.as_mut_ptr(),
                n = in(reg) blocked,
                t = out(reg) _,
                x = inout(reg) x.as_ptr() => _,
                w = inout(reg) w.as_ptr() => _,
                out("s0") _, out("s1") _, out("s2") _, out("s3") _, out("s8") _, out("s9") _,
                out("s10") _, out("s11") _, out("s12") _, out("s13") _, out("s14") _,
                out("s15") _, out("s16") _, out("s17") _, out("s18") _, out("s19") _,
                out("s20") _, out("s21") _, out("s22") _, out("s23") _, out("s24") _,
                out("s25") _, out("s26") _, out("s27") _, out("s28") _, out("s29") _,
                out("s30") _, out("s31") _,
                options(nostack),
            );
        }
    }
    for (w, v) in w.iter().zip(x).skip(blocked) {
        for (a, w) in acc.iter_mut().zip(w) {
            *a += *w * *v;
        }
    }
}
