//! The int8 weight order of the Arm DSP kernel (`smlad`/`sxtb16`, Cortex-M4/M7 class), which
//! the code generator writes and the runtime's `dense_i8_dsp` reads: defined once here.
//!
//! Outputs go in groups of [`GROUP`] (four i32 accumulators in registers) and inputs in
//! chunks of four (one word of int8 inputs). `sxtb16` sign-extends bytes 0 and 2 of a word
//! into two 16-bit lanes (bytes 1 and 3 with `ror #8`), and `smlad` multiplies two lane pairs
//! and adds both products to an accumulator. A word of inputs `x[i..i + 4]` thus gives the
//! lane pairs `(x[i], x[i + 2])` and `(x[i + 1], x[i + 3])`, and each weight word holds two
//! outputs' weights for one of those input pairs, interleaved so that `sxtb16` and
//! `sxtb16 ror #8` give each output's own lane pair.

/// Outputs per group: four accumulators.
pub const GROUP: usize = 4;

/// Inputs per chunk: one word of int8 inputs.
pub const CHUNK: usize = 4;

/// The C cfg predicate of the targets whose generated code stores int8 weights in this order
/// (Arm cores with a hardware-float ABI, all of which have the DSP extension; the runtime's
/// kernel module is compiled under the same predicate).
pub const DSP_PREDICATE: &str = "all(target_arch = \"arm\", target_abi = \"eabihf\")";

/// The four weight words of output group `g` (outputs `4g..4g + 4`) and input chunk `c`
/// (inputs `4c..4c + 4`), in the order the kernel reads them: word `j` holds outputs
/// `a = 4g + 2(j / 2)` and `b = a + 1` for inputs `p = 4c + j % 2` and `p + 2`, as the bytes
/// `[w(a, p), w(b, p), w(a, p + 2), w(b, p + 2)]` (little-endian). `w(o, i)` must give 0 for
/// outputs and inputs past the layer's (the padding).
pub fn words(w: impl Fn(usize, usize) -> i8, g: usize, c: usize) -> [u32; 4] {
    core::array::from_fn(|j| {
        let a = GROUP * g + 2 * (j / 2);
        let p = CHUNK * c + j % 2;
        let bytes = [w(a, p), w(a + 1, p), w(a, p + 2), w(a + 1, p + 2)];
        u32::from_le_bytes(bytes.map(|v| v as u8))
    })
}

/// The weight of output `4g + k` and input `4c + r` in the words of [`words`]: the inverse,
/// for the inputs past the last whole chunk and for tests.
pub fn weight(words: &[u32; 4], k: usize, r: usize) -> i8 {
    let word = words[2 * (k / 2) + r % 2];
    let byte = (k % 2) + 2 * (r / 2);
    word.to_le_bytes()[byte] as i8
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn lanes_pair_each_output_with_its_own_weights() {
        // What the kernel computes from the words, lane by lane, equals the dot product.
        let w = |o: usize, i: usize| (o as i32 * 23 + i as i32 * 7 - 100) as i8;
        let x = [-128i8, 127, -3, 45];
        let ws = words(w, 0, 0);
        let lanes = |v: u32, shift: u32| {
            let v = v.rotate_right(shift);
            [i32::from(v as u8 as i8), i32::from((v >> 16) as u8 as i8)]
        };
        let xw = u32::from_le_bytes(x.map(|v| v as u8));
        let (x02, x13) = (lanes(xw, 0), lanes(xw, 8));
        for k in 0..GROUP {
            let (even, odd) = (ws[2 * (k / 2)], ws[2 * (k / 2) + 1]);
            let shift = 8 * (k % 2) as u32;
            let (we, wo) = (lanes(even, shift), lanes(odd, shift));
            let got = we[0] * x02[0] + we[1] * x02[1] + wo[0] * x13[0] + wo[1] * x13[1];
            let want: i32 = (0..4).map(|i| i32::from(w(k, i)) * i32::from(x[i])).sum();
            assert_eq!(got, want, "output {k}");
        }
    }
}
