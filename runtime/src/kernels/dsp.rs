//! The int8 dot-product micro-kernel for Arm cores with the DSP extension (Cortex-M4/M7 class):
//! four outputs over whole chunks of four inputs, two multiply-adds per `smlad`.
//!
//! A word of four int8 inputs becomes the 16-bit lane pairs `(x[i], x[i + 2])` and
//! `(x[i + 1], x[i + 3])` with two `sxtb16`. Each weight word (`tinyae_arith::dsp` gives the
//! order) holds two outputs' weights for one lane pair as `w(a) + 256 · w(b)` per lane: one
//! `smlad` of the word adds both outputs' products to one accumulator, one `sxtb16` recovers
//! `w(a)`'s lanes and a second `smlad` adds output `a`'s alone to another. Sixteen
//! multiply-accumulates take one input load, two `ldrd` of weights, six `sxtb16` and eight
//! `smlad`; a loop pass does two chunks (34 instructions and the counter's two per 32).
//! Integer sums are exact, so the result is the reference interpreter's whatever the order.

/// One chunk: four inputs, four words of weights, into the sums `both_ab`, `a`, `both_cd`, `c`.
macro_rules! chunk {
    () => {
        concat!(
            "ldr {xw}, [{xp}], #4\n",
            "ldrd {w0}, {w1}, [{wp}], #8\n",
            "sxtb16 {x13}, {xw}, ror #8\n",
            "sxtb16 {xw}, {xw}\n",
            "smlad {ab}, {w0}, {xw}, {ab}\n",
            "sxtb16 {w0}, {w0}\n",
            "smlad {a}, {w0}, {xw}, {a}\n",
            "smlad {ab}, {w1}, {x13}, {ab}\n",
            "sxtb16 {w1}, {w1}\n",
            "smlad {a}, {w1}, {x13}, {a}\n",
            "ldrd {w0}, {w1}, [{wp}], #8\n",
            "smlad {cd}, {w0}, {xw}, {cd}\n",
            "sxtb16 {w0}, {w0}\n",
            "smlad {c}, {w0}, {xw}, {c}\n",
            "smlad {cd}, {w1}, {x13}, {cd}\n",
            "sxtb16 {w1}, {w1}\n",
            "smlad {c}, {w1}, {x13}, {c}\n",
        )
    };
}

/// The sums `[both_ab, a, both_cd, c]` of the `n = words.len()` chunks of `words` against
/// `x` (`tinyae_arith::dsp::fold` turns each pair into two outputs' sums), from zero. Inputs
/// are read as (possibly unaligned) words, which the Cortex-M4/M7 allow for `ldr`. At most
/// `tinyae_arith::dsp::SEGMENT` chunks keep the folded sums exact (the caller's business).
/// Arguments that do not fit (`x` shorter than `4 · words.len()`; never the case for the
/// generated code) give zeros.
#[allow(unsafe_code)]
#[inline(always)]
pub(crate) fn pair_sums(words: &[[u32; 4]], x: &[i8]) -> [i32; 4] {
    let n = words.len();
    let [mut ab, mut a, mut cd, mut c] = [0i32; 4];
    if n == 0 || x.len() / 4 < n {
        return [ab, a, cd, c];
    }
    // SAFETY: `n >= 1` chunks run: the odd one first when `n` is odd (`lsrs` halves the count
    // and leaves the odd bit in C; no instruction of a chunk sets the flags, so Z still says
    // whether any pair is left), then `n / 2` passes of two. Each chunk reads one word of `x`
    // (the `4n <= x.len()` bytes checked above; `ldr` allows any alignment on these cores) and
    // four words of `words` (`n` rows of four `u32`, aligned). Nothing is written to memory;
    // every register written is declared (the sums as inouts, pointers and counter as inouts
    // discarded, temporaries as outs); the flags are not preserved; no stack is used.
    unsafe {
        core::arch::asm!(
            "lsrs {n}, {n}, #1",
            "bcc 2f",
            chunk!(),
            "beq 3f",
            "2:",
            chunk!(),
            chunk!(),
            "subs {n}, {n}, #1",
            "bne 2b",
            "3:",
            ab = inout(reg) ab,
            a = inout(reg) a,
            cd = inout(reg) cd,
            c = inout(reg) c,
            xp = inout(reg) x.as_ptr() => _,
            wp = inout(reg) words.as_ptr() => _,
            n = inout(reg) n => _,
            xw = out(reg) _,
            x13 = out(reg) _,
            w0 = out(reg) _,
            w1 = out(reg) _,
            options(nostack, readonly),
        );
    }
    [ab, a, cd, c]
}
