//! The int8 dot-product micro-kernel for Arm cores with the DSP extension (Cortex-M4/M7 class):
//! four outputs over whole chunks of four inputs, two multiply-adds per `smlad`.
//!
//! A word of four int8 inputs becomes the 16-bit lane pairs `(x[i], x[i + 2])` and
//! `(x[i + 1], x[i + 3])` with two `sxtb16`; each weight word (`tinyae_arith::dsp` gives the
//! order) becomes one output's lane pair with one `sxtb16` (`ror #8` for the other output of the
//! word), and one `smlad` adds both products to that output's i32 accumulator. Sixteen
//! multiply-accumulates take one input load, two `ldrd` of weights, ten `sxtb16` and eight
//! `smlad`. Integer sums are exact (the format bounds them below 2^31), so the result is the
//! reference interpreter's whatever the order.

/// `acc[k] += Σ_{r < 4n} w(k, r) · x[r]` for the `n = words.len()` chunks of `words`: output
/// `k` of the group, input `r` (chunk `r / 4`). Inputs are read as (possibly unaligned) words,
/// which the Cortex-M4/M7 allow for `ldr`. Arguments that do not fit (`x` shorter than
/// `4 · words.len()`; never the case for the generated code) leave `acc` unchanged.
#[allow(unsafe_code)]
#[inline(always)]
pub(crate) fn dot4(words: &[[u32; 4]], x: &[i8], acc: &mut [i32; 4]) {
    let n = words.len();
    if n == 0 || x.len() / 4 < n {
        return;
    }
    let [mut a0, mut a1, mut a2, mut a3] = *acc;
    // SAFETY: the loop runs `n >= 1` times; each pass reads one word of `x` (the `4n <= x.len()`
    // bytes checked above; `ldr` allows any alignment on these cores) and four words of
    // `words` (`n` rows of four `u32`, aligned). Nothing is written to memory; every register
    // written is declared (the accumulators as inouts, pointers and counter as inouts
    // discarded, temporaries as outs); the flags are not preserved; no stack is used.
    unsafe {
        core::arch::asm!(
            "2:",
            "ldr {xw}, [{xp}], #4",
            "ldrd {w0}, {w1}, [{wp}], #8",
            "sxtb16 {x13}, {xw}, ror #8",
            "sxtb16 {xw}, {xw}",
            "sxtb16 {t}, {w0}",
            "smlad {a0}, {t}, {xw}, {a0}",
            "sxtb16 {w0}, {w0}, ror #8",
            "smlad {a1}, {w0}, {xw}, {a1}",
            "sxtb16 {t}, {w1}",
            "smlad {a0}, {t}, {x13}, {a0}",
            "sxtb16 {w1}, {w1}, ror #8",
            "smlad {a1}, {w1}, {x13}, {a1}",
            "ldrd {w0}, {w1}, [{wp}], #8",
            "sxtb16 {t}, {w0}",
            "smlad {a2}, {t}, {xw}, {a2}",
            "sxtb16 {w0}, {w0}, ror #8",
            "smlad {a3}, {w0}, {xw}, {a3}",
            "sxtb16 {t}, {w1}",
            "smlad {a2}, {t}, {x13}, {a2}",
            "sxtb16 {w1}, {w1}, ror #8",
            "smlad {a3}, {w1}, {x13}, {a3}",
            "subs {n}, {n}, #1",
            "bne 2b",
            a0 = inout(reg) a0,
            a1 = inout(reg) a1,
            a2 = inout(reg) a2,
            a3 = inout(reg) a3,
            xp = inout(reg) x.as_ptr() => _,
            wp = inout(reg) words.as_ptr() => _,
            n = inout(reg) n => _,
            xw = out(reg) _,
            x13 = out(reg) _,
            w0 = out(reg) _,
            w1 = out(reg) _,
            t = out(reg) _,
            options(nostack, readonly),
        );
    }
    *acc = [a0, a1, a2, a3];
}
