//! Pseudo-random test data for the unit tests: xorshift streams (Marsaglia's shift triples),
//! so every test draws from one definition rather than its own copy of the loop.

/// A 32-bit xorshift stream (shifts 13, 17, 5) from `seed` (non-zero).
pub(crate) fn stream(seed: u32) -> impl FnMut() -> u32 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    }
}

/// A 64-bit xorshift stream (shifts 13, 7, 17) from `seed` (non-zero).
pub(crate) fn stream64(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}
