//! The int8 weight order of the RISC-V 32-bit kernel (RV32IMC class: `mul` and `add`, no
//! multiply-accumulate, no packed SIMD), which the code generator writes and the runtime's
//! `dense_i8_rv32` reads: defined once here.
//!
//! Outputs go in blocks whose accumulators stay in registers: [`BLOCK`] outputs while that
//! many remain, then 8, then 4, then single outputs ([`widths`]). A block's weights are one
//! contiguous run in the order the loop reads them, input by input: `w[i][k]` for input `i` and
//! output `k` of the block, so each input byte is loaded once per block and every weight is
//! one `lb` at an immediate offset from a pointer that moves once per four inputs. The layer
//! stores exactly `I · O` bytes (no padding).

/// Outputs of the widest block: sixteen i32 accumulators, four inputs and the pointers fit
/// the 31 general registers with room for the products.
pub const BLOCK: usize = 16;

/// The C cfg predicate of the targets whose generated code stores int8 weights in this order
/// (every 32-bit RISC-V core; the runtime's kernel is compiled under the same predicate).
pub const RV32_PREDICATE: &str = "target_arch = \"riscv32\"";

/// The widths of the blocks `O` outputs are cut into, in order: [`BLOCK`] while at least that
/// many outputs remain, then at most one block of 8 and one of 4, then blocks of 1.
pub fn widths(outputs: usize) -> impl Iterator<Item = usize> {
    let mut left = outputs;
    core::iter::from_fn(move || {
        let n = [BLOCK, 8, 4, 1].into_iter().find(|&n| n <= left)?;
        left -= n;
        Some(n)
    })
}

/// The layer's weights in the kernel's order: for each block of [`widths`], input by input,
/// the block's outputs. `w(o, i)` is the weight of output `o` and input `i`.
pub fn order(
    w: impl Fn(usize, usize) -> i8 + Copy,
    inputs: usize,
    outputs: usize,
) -> impl Iterator<Item = i8> {
    let mut start = 0;
    widths(outputs).flat_map(move |n| {
        let first = start;
        start += n;
        (0..inputs).flat_map(move |i| (first..first + n).map(move |o| w(o, i)))
    })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn widths_cover_the_outputs_widest_first() {
        let cut = |o| widths(o).collect::<Vec<_>>();
        assert_eq!(cut(0), []);
        assert_eq!(cut(3), [1, 1, 1]);
        assert_eq!(cut(32), [16, 16]);
        assert_eq!(cut(140), [16, 16, 16, 16, 16, 16, 16, 16, 8, 4]);
        assert_eq!(cut(31), [16, 8, 4, 1, 1, 1]);
        for o in 0..100 {
            assert_eq!(widths(o).sum::<usize>(), o);
        }
    }

    #[test]
    fn order_is_block_then_input_then_output() {
        let w = |o: usize, i: usize| (o * 10 + i) as i8;
        let got: Vec<i8> = order(w, 2, 21).collect();
        assert_eq!(got.len(), 42);
        // First block (outputs 0..16): input 0 for all 16, then input 1.
        assert_eq!(got[..3], [0, 10, 20]);
        assert_eq!(got[16..19], [1, 11, 21]);
        // Then the block of 4 (outputs 16..20), then output 20 alone.
        assert_eq!(got[32..36], [-96, -86, -76, -66]); // 160, 170, 180, 190 as i8
        assert_eq!(got[40..], [-56, -55]); // 200, 201
    }
}
