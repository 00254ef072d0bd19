//! Pseudo-random test data for the unit tests: xorshift streams (Marsaglia's shift triples),
//! so every test draws from one definition rather than its own copy of the loop.

use core::ops::{BitXor, Shl, Shr};

/// The xorshift stream from `seed` (non-zero) with the shift triple `[a, b, c]`.
fn xorshift<T>(seed: T, [a, b, c]: [u32; 3]) -> impl FnMut() -> T
where
    T: Copy + BitXor<Output = T> + Shl<u32, Output = T> + Shr<u32, Output = T>,
{
    let mut s = seed;
    move || {
        s = s ^ (s << a);
        s = s ^ (s >> b);
        s = s ^ (s << c);
        s
    }
}

/// A 32-bit xorshift stream (shifts 13, 17, 5) from `seed` (non-zero).
pub(crate) fn stream(seed: u32) -> impl FnMut() -> u32 {
    xorshift(seed, [13, 17, 5])
}

/// A 64-bit xorshift stream (shifts 13, 7, 17) from `seed` (non-zero).
pub(crate) fn stream64(seed: u64) -> impl FnMut() -> u64 {
    xorshift(seed, [13, 7, 17])
}
