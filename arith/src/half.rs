//! Half-precision storage widened to f32, exactly (every f16 and bf16 value is an f32).

/// IEEE binary16 → f32, exactly, for every finite value (the format rejects others).
///
/// Normal values rebias the exponent with integer arithmetic; subnormals and zero convert
/// their integer significand, which is exact (`m · 2^-24`, `m < 1024`), so no step depends on
/// how a core treats subnormal floats. Both are computed and the right one picked by an
/// integer select: branch-free, so a block of weights vectorizes, and no float select between
/// constants (which the upstream Xtensa backend cannot compile).
#[inline(always)]
pub const fn f16_to_f32(h: u16) -> f32 {
    let h = h as u32;
    let sign = (h & 0x8000) << 16;
    let magnitude = h & 0x7fff;
    let normal = (magnitude << 13) + ((127 - 15) << 23);
    let small = ((magnitude as f32) * (1.0 / 16_777_216.0)).to_bits();
    let bits = if magnitude < 0x400 { small } else { normal };
    f32::from_bits(bits | sign)
}

/// bfloat16 → f32: the high half of the f32's bits.
#[inline(always)]
pub const fn bf16_to_f32(h: u16) -> f32 {
    f32::from_bits((h as u32) << 16)
}
