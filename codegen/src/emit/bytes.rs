//! Weight arrays as one byte-string literal each: `rt::from_le_bytes(*b"...")` (the runtime's
//! `bytes.rs`) becomes the array the kernel takes when the `static` is evaluated.
//!
//! One literal per value made rustc's time and memory grow steeply with the model (a 4 M
//! parameter model took 41 s and 3.2 GB, a 16.7 M one ran out of memory at 11 GB); one token
//! per array keeps large models buildable (`scripts/compile-scaling.py`). The bytes are the
//! values in the array's row-major order, little-endian, so the result is bit for bit what the
//! literals gave. Small per-output vectors (biases, requantization constants) stay literals.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use tinyae_core::ir::Storage;

/// Little-endian bytes of values, appended in the order the array holds them.
#[derive(Debug, Default)]
pub struct LeBytes(Vec<u8>);

impl LeBytes {
    /// An f32 value.
    pub fn f32(&mut self, v: f32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    /// A value in its stored form: f16/bf16 bits, else f32 (what `half::stored_type` names).
    pub fn stored(&mut self, storage: Storage, v: f32) {
        match storage {
            Storage::F16 => self.u16(half::f16::from_f32(v).to_bits()),
            Storage::Bf16 => self.u16(half::bf16::from_f32(v).to_bits()),
            _ => self.f32(v),
        }
    }

    /// A u16 value.
    pub fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    /// A u32 value.
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    /// An int8 value.
    pub fn i8(&mut self, v: i8) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    /// A u8 value.
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    /// `rt::from_le_bytes(*b"...")`: the expression of the array these bytes spell (its type
    /// comes from where it is used).
    pub fn expr(&self) -> TokenStream {
        let literal = Literal::byte_string(&self.0);
        quote!(rt::from_le_bytes(*#literal))
    }
}

/// Weights blocked by outputs, each block transposed, as `(tiles, tail)` expressions: the
/// full blocks of `block` outputs (`[tile][row][output in block]`), then the last
/// `outputs % block` (`[row][output]`), where `push(bytes, o, row)` appends the weights of
/// output `o` in row `row` (one input, or an interleaved pair of them).
pub fn blocked(
    rows: usize,
    outputs: usize,
    block: usize,
    push: impl Fn(&mut LeBytes, usize, usize),
) -> (TokenStream, TokenStream) {
    let columns = |from: usize, n: usize, out: &mut LeBytes| {
        (0..rows).for_each(|r| (from..from + n).for_each(|o| push(out, o, r)));
    };
    let (tiles, rest) = (outputs / block, outputs % block);
    let mut blocks = LeBytes::default();
    (0..tiles).for_each(|t| columns(t * block, block, &mut blocks));
    let mut tail = LeBytes::default();
    columns(tiles * block, rest, &mut tail);
    (blocks.expr(), tail.expr())
}

/// The expression of an f32 array holding `values` in order.
pub fn f32s(values: impl IntoIterator<Item = f32>) -> TokenStream {
    let mut bytes = LeBytes::default();
    values.into_iter().for_each(|v| bytes.f32(v));
    bytes.expr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_little_endian_in_order() {
        let mut b = LeBytes::default();
        b.f32(1.0);
        b.stored(Storage::F16, 1.0);
        b.stored(Storage::Bf16, -2.0);
        b.stored(Storage::F32, -0.0);
        b.i8(-1);
        b.u16(0x0102);
        b.u8(7);
        let expected: &[u8] =
            &[0, 0, 0x80, 0x3f, 0x00, 0x3c, 0x00, 0xc0, 0, 0, 0, 0x80, 0xff, 2, 1, 7];
        assert_eq!(b.0, expected);
        let text = b.expr().to_string();
        assert!(text.starts_with("rt :: from_le_bytes (* b\""), "{text}");
    }
}
