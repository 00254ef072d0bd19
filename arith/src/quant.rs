//! int8 arithmetic (docs/FORMAT.md, "int8 layers"): requantizing an i32 accumulator with a
//! fixed-point multiplier and shift, and quantizing an f32.

/// `clamp(((acc · multiplier + 2^(shift-1)) >> shift) + zero_point, -128, 127)` in 64-bit
/// arithmetic: round half up (toward +inf), then saturate. `shift` is in `[1, 62]`.
#[inline(always)]
pub fn requantize(acc: i32, multiplier: i32, shift: u32, zero_point: i32) -> i8 {
    let round = 1i64.wrapping_shl(shift.wrapping_sub(1));
    let t = (i64::from(acc) * i64::from(multiplier)).wrapping_add(round).wrapping_shr(shift);
    t.wrapping_add(i64::from(zero_point)).clamp(-128, 127) as i8
}

/// `libm::roundf(v) as i32` (round half away from zero, saturating, NaN → 0) without a
/// call: truncate, then step away from zero when the exact remainder is at least one half.
/// `v - trunc(v)` is exact for every f32 (below 2^23 it is the fraction, above it is 0).
#[inline(always)]
pub fn round_half_away(v: f32) -> i32 {
    let t = v as i32;
    let fraction = v - t as f32;
    t.saturating_add(i32::from(fraction >= 0.5)).saturating_sub(i32::from(fraction <= -0.5))
}

/// `clamp(round_half_away(v · inv_scale) + zero_point, -128, 127)`: an f32 quantized with the
/// reciprocal of its scale (rounded to f32 once); NaN maps to the zero point.
#[inline(always)]
pub fn quantize(v: f32, inv_scale: f32, zero_point: i32) -> i8 {
    round_half_away(v * inv_scale).saturating_add(zero_point).clamp(-128, 127) as i8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every f32 in a dense sample of bit patterns (and the halves around each integer):
    /// the same integer as `libm::roundf`. The ignored test checks all 2^32 values
    /// (`cargo test -p tinyae-arith --release -- --ignored`).
    #[test]
    fn round_half_away_equals_roundf() {
        let check = |v: f32| assert_eq!(round_half_away(v), libm::roundf(v) as i32, "{v:e}");
        for bits in (0..=u32::MAX).step_by(4099) {
            check(f32::from_bits(bits));
        }
        for k in -300..300 {
            let h = k as f32 + 0.5;
            for v in [h, f32::from_bits(h.to_bits() - 1), f32::from_bits(h.to_bits() + 1)] {
                check(v);
            }
        }
    }

    #[test]
    #[ignore = "all 2^32 inputs: about a minute in release"]
    fn round_half_away_equals_roundf_everywhere() {
        for bits in 0..=u32::MAX {
            let v = f32::from_bits(bits);
            assert_eq!(round_half_away(v), libm::roundf(v) as i32, "{v:e}");
        }
    }

    #[test]
    fn requantization_rounds_half_up_and_saturates() {
        let half = 1 << 30; // × 0.5 with shift 31
        assert_eq!(requantize(1, half, 31, 0), 1);
        assert_eq!(requantize(-1, half, 31, 0), 0);
        assert_eq!(requantize(3, half, 31, 0), 2);
        assert_eq!(requantize(-3, half, 31, 0), -1);
        assert_eq!(requantize(1000, half, 31, 0), 127);
        assert_eq!(requantize(-1000, half, 31, 5), -128);
        assert_eq!(requantize(i32::MAX, half, 31, 0), 127);
        assert_eq!(requantize(i32::MIN, i32::MAX, 1, 0), -128);
    }
}
