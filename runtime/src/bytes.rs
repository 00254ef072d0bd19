//! Weights written as bytes: the generated code spells each weight array as one byte-string
//! literal (`rt::from_le_bytes(*b"...")`) instead of one literal per value, so the compiler
//! handles a single token per array and its time and memory grow slowly with the model
//! (docs/FORMAT.md "Limits"; `scripts/compile-scaling.py` measures it). The conversion runs
//! when the `static` is evaluated at compile time: the kernels see the same typed arrays, with
//! the same alignment, as if every value had been written out.
//!
//! Why `unsafe`: turning `[u8; N]` into `[[f32; K]; I]` at compile time without it takes a
//! loop in the const evaluator, one step per value (minutes for millions of weights); a union
//! read is one copy. It is sound because [`Plain`] is implemented only for types without
//! padding whose every bit pattern is a valid value, and the sizes are checked equal when
//! the call is evaluated.
#![allow(unsafe_code)]

// The bytes are little-endian: every target tinyae supports (Cortex-M, RISC-V, Xtensa, x86-64,
// AArch64) is. A big-endian target would read byte-swapped weights, so it does not build.
#[cfg(target_endian = "big")]
compile_error!(
    "tinyae stores weights as little-endian bytes and does not support big-endian targets"
);

mod sealed {
    pub trait Sealed {}
}

/// Types that are plain bytes: no padding, and every bit pattern is a valid value (the
/// element types weights are stored in, and arrays of them).
///
/// # Safety
///
/// Implemented only in this module, for such types.
pub unsafe trait Plain: Copy + sealed::Sealed {}

macro_rules! plain {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        // SAFETY: a primitive number: no padding, every bit pattern a value.
        unsafe impl Plain for $t {}
    )*};
}
plain!(f32, u8, i8, u16, i32, u32);

impl<T: Plain, const N: usize> sealed::Sealed for [T; N] {}
// SAFETY: an array has no padding between its elements, which are plain.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

/// The same bytes seen as bytes or as a value.
#[repr(C)]
union Bytes<T: Copy, const N: usize> {
    bytes: [u8; N],
    value: T,
}

/// The value whose little-endian bytes are `bytes`, e.g. a `[[f32; 16]; 784]` from 50 176
/// bytes; a compile-time error when the sizes differ:
///
/// ```compile_fail
/// let w: [f32; 2] = tinyae::__private::from_le_bytes(*b"\0\0\0\0");
/// ```
#[inline(always)]
pub const fn from_le_bytes<T: Plain, const N: usize>(bytes: [u8; N]) -> T {
    const { assert!(core::mem::size_of::<T>() == N, "byte count differs from the type's size") };
    // SAFETY: `T` is `Plain` (no padding, every bit pattern valid) and exactly `N` bytes long,
    // so all of its bytes are initialized by `bytes` and form a valid value; the target is
    // little-endian (checked above), the order the bytes were written in.
    unsafe { Bytes { bytes }.value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_become_the_values_they_encode() {
        const W: [[f32; 2]; 2] =
            from_le_bytes(*b"\x00\x00\x80\x3f\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x00\x80");
        assert_eq!(W.map(|r| r.map(f32::to_bits)), [[0x3f80_0000, 0xc000_0000], [0, 0x8000_0000]]);
        const H: [u16; 2] = from_le_bytes(*b"\x01\x02\xff\x7f");
        assert_eq!(H, [0x0201, 0x7fff]);
        const Q: [[i8; 2]; 2] = from_le_bytes(*b"\x7f\x80\x00\xff");
        assert_eq!(Q, [[127, -128], [0, -1]]);
        const E: [[f32; 0]; 3] = from_le_bytes(*b"");
        assert_eq!(E.len(), 3);
    }

    #[test]
    fn every_value_round_trips() {
        let mut next = crate::test_data::stream(0x9e37_79b9);
        for _ in 0..1000 {
            let state = next();
            let v: f32 = from_le_bytes(state.to_le_bytes());
            assert_eq!(v.to_bits(), state);
            let pair: [i32; 1] = from_le_bytes(state.to_le_bytes());
            assert_eq!(pair[0], state as i32);
        }
    }
}
