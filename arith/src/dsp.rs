//! The int8 weight order of the Arm DSP kernel (`smlad`/`sxtb16`, Cortex-M4/M7 class), which
//! the code generator writes and the runtime's `dense_i8_dsp` reads: defined once here.
//!
//! Outputs go in groups of [`GROUP`] (four i32 sums) and inputs in chunks of four (one word of
//! int8 inputs). `sxtb16` sign-extends bytes 0 and 2 of a word into two 16-bit lanes (bytes 1
//! and 3 with `ror #8`), and `smlad` multiplies two lane pairs and adds both products to an
//! accumulator. A word of inputs `x[i..i + 4]` thus gives the lane pairs `(x[i], x[i + 2])` and
//! `(x[i + 1], x[i + 3])`.
//!
//! Each weight word serves two outputs `a`, `b` and one of those input pairs: its two 16-bit
//! lanes hold `w(a, p) + 256 · w(b, p)` and the same for `p + 2`, as i16 (weights are in
//! `-127..=127`, so `|v| <= 32,639`). One `smlad` of the word itself adds
//! `Σ w(a)·x + 256 · Σ w(b)·x`; `sxtb16` of the word gives back `(w(a, p), w(a, p + 2))` (the
//! low byte of each lane, sign-extended) and a second `smlad` adds `Σ w(a)·x` alone. The
//! difference of the two sums is `256 · Σ w(b)·x`: two outputs' four products for three
//! instructions, where unpacking both outputs' bytes took four.
//!
//! The difference is exact while `|256 · Σ w(b)·x| < 2^31`, that is `|Σ w(b)·x| < 2^23`:
//! [`SEGMENT`] chunks at most per pair of sums, after which the kernel's caller folds them into
//! its own i32 sums and starts again from zero ([`fold`]).

/// Outputs per group: four sums, two pairs of accumulators.
pub const GROUP: usize = 4;

/// Inputs per chunk: one word of int8 inputs.
pub const CHUNK: usize = 4;

/// The most chunks one pair of sums may take: `127 · 128 · 4 · SEGMENT < 2^23` (a weight is at
/// most 127 in magnitude, an input 128), so `256 ·` the `b` sum stays below `2^31`.
pub const SEGMENT: usize = 128;

const _: () = assert!(127 * 128 * CHUNK * SEGMENT < 1 << 23);

/// The C cfg predicate of the targets whose generated code stores int8 weights in this order
/// (Arm cores with a hardware-float ABI, all of which have the DSP extension; the runtime's
/// kernel module is compiled under the same predicate).
pub const DSP_PREDICATE: &str = "all(target_arch = \"arm\", target_abi = \"eabihf\")";

/// One 16-bit lane: the weights of outputs `a` and `b` for one input, `w_a + 256 · w_b`.
fn lane(w_a: i8, w_b: i8) -> u32 {
    (i32::from(w_a) + 256 * i32::from(w_b)) as i16 as u16 as u32
}

/// The four weight words of output group `g` (outputs `4g..4g + 4`) and input chunk `c`
/// (inputs `4c..4c + 4`), in the order the kernel reads them: word `j` holds outputs
/// `a = 4g + 2(j / 2)` and `b = a + 1` for inputs `p = 4c + j % 2` (low lane) and `p + 2`
/// (high lane), each lane `w(a, ·) + 256 · w(b, ·)`. `w(o, i)` must give 0 for outputs and
/// inputs past the layer's (the padding) and values in `-127..=127` (the format's int8 weights).
pub fn words(w: impl Fn(usize, usize) -> i8, g: usize, c: usize) -> [u32; 4] {
    core::array::from_fn(|j| {
        let a = GROUP * g + 2 * (j / 2);
        let p = CHUNK * c + j % 2;
        lane(w(a, p), w(a + 1, p)) | lane(w(a, p + 2), w(a + 1, p + 2)) << 16
    })
}

/// The weight of output `4g + k` and input `4c + r` in the words of [`words`]: the inverse,
/// for the inputs past the last whole chunk and for tests.
pub fn weight(words: &[u32; 4], k: usize, r: usize) -> i8 {
    let word = words[2 * (k / 2) + r % 2];
    let v = i32::from((word >> (16 * (r / 2))) as u16 as i16);
    let w_a = v as i8;
    if k.is_multiple_of(2) {
        w_a
    } else {
        ((v - i32::from(w_a)) >> 8) as i8
    }
}

/// The two sums one word pair of accumulators ends a segment with — `both`, the `smlad` sum of
/// the words (`Σ w(a)·x + 256 · Σ w(b)·x`, wrapping) and `a`, the sum of their sign-extended low
/// bytes (`Σ w(a)·x`) — as the outputs' own sums `[Σ w(a)·x, Σ w(b)·x]`.
pub fn fold(both: i32, a: i32) -> [i32; 2] {
    [a, both.wrapping_sub(a) >> 8]
}

/// What the kernel computes, lane by lane and wrapping like `smlad`: the sums
/// `[both_ab, a, both_cd, c]` of the `words.len()` chunks of `words` against `x`, from zero
/// ([`fold`] turns each pair into two outputs' sums). The runtime's `asm!` kernel on Arm DSP
/// cores executes exactly this; other targets (the host tests) call it.
pub fn pair_sums(words: &[[u32; 4]], x: &[i8]) -> [i32; 4] {
    // `sxtb16`: the low byte of each 16-bit lane, sign-extended; `smlad`: both lanes' products.
    let lanes = |v: u32| [v as u16 as i16, (v >> 16) as u16 as i16].map(i32::from);
    let low_bytes = |v: u32| [v as u8 as i8, (v >> 16) as u8 as i8].map(i32::from);
    let smlad = |acc: i32, [l0, l1]: [i32; 2], [x0, x1]: [i32; 2]| {
        acc.wrapping_add(l0.wrapping_mul(x0)).wrapping_add(l1.wrapping_mul(x1))
    };
    let mut sums = [0i32; 4];
    for (ws, xs) in words.iter().zip(x.chunks_exact(CHUNK)) {
        let xs = [[xs[0], xs[2]], [xs[1], xs[3]]].map(|pair| pair.map(i32::from));
        for (j, word) in ws.iter().enumerate() {
            let (pair, xs) = (2 * (j / 2), xs[j % 2]);
            sums[pair] = smlad(sums[pair], lanes(*word), xs);
            sums[pair + 1] = smlad(sums[pair + 1], low_bytes(*word), xs);
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn weight_inverts_words() {
        let w = |o: usize, i: usize| (o as i32 * 37 - i as i32 * 11 - 60) as i8;
        for (g, c) in [(0, 0), (3, 5)] {
            let ws = words(w, g, c);
            for k in 0..GROUP {
                for r in 0..CHUNK {
                    assert_eq!(weight(&ws, k, r), w(GROUP * g + k, CHUNK * c + r), "{k} {r}");
                }
            }
        }
    }

    /// The four outputs' sums over `chunks` chunks of `x`, through [`pair_sums`] and [`fold`].
    fn kernel(w: impl Fn(usize, usize) -> i8, x: &[i8], chunks: usize) -> [i32; GROUP] {
        let words: std::vec::Vec<[u32; 4]> = (0..chunks).map(|c| words(&w, 0, c)).collect();
        let [ab, a, cd, c] = pair_sums(&words, &x[..CHUNK * chunks]);
        let ([s0, s1], [s2, s3]) = (fold(ab, a), fold(cd, c));
        [s0, s1, s2, s3]
    }

    #[test]
    fn the_kernels_sums_are_the_dot_products() {
        let w = |o: usize, i: usize| (o as i32 * 23 + i as i32 * 7 - 100) as i8;
        let x: [i8; 12] = core::array::from_fn(|i| (i as i32 * 83 - 128) as i8);
        let got = kernel(w, &x, 3);
        for (k, got) in got.into_iter().enumerate() {
            let want: i32 = (0..12).map(|i| i32::from(w(k, i)) * i32::from(x[i])).sum();
            assert_eq!(got, want, "output {k}");
        }
    }

    #[test]
    fn a_whole_segment_of_extreme_values_stays_exact() {
        // The largest `b` sums a segment can reach, both signs, with `a` weights at both ends.
        for (wa, wb, xv) in
            [(127, 127, -128), (-127, -127, -128), (-127, 127, -128), (127, -127, 127)]
        {
            let w = move |o: usize, _: usize| if o.is_multiple_of(2) { wa } else { wb };
            let x = [xv; CHUNK * SEGMENT];
            let n = (CHUNK * SEGMENT) as i32;
            let want = [wa, wb, wa, wb].map(|v| i32::from(v) * i32::from(xv) * n);
            assert_eq!(kernel(w, &x, SEGMENT), want, "{wa} {wb} {xv}");
        }
    }
}
