//! Float literals and constant arrays.
//!
//! Values are printed with Rust's shortest round-trip formatting, so every literal parses back
//! to exactly the stored bits.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// An `f32` literal, e.g. `-0.125f32`.
pub fn f32_lit(v: f32) -> Literal {
    Literal::f32_suffixed(v)
}

/// A `usize` literal without suffix (`784`, not `784usize`), for readable expansions.
pub fn usize_lit(v: usize) -> Literal {
    Literal::usize_unsuffixed(v)
}

/// `[a, b, c]` of unsuffixed literals (the array's type gives them `f32`).
pub fn f32_array(values: &[f32]) -> TokenStream {
    let items = values.iter().map(|v| Literal::f32_unsuffixed(*v));
    quote!([#(#items),*])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_round_trip_bit_for_bit() {
        let specials =
            [0.0f32, -0.0, 1.0, -1.5, f32::MIN_POSITIVE, 1e-45, f32::MAX, f32::MIN, 0.1, 3.4028e38];
        let mut state = 0x1234_5678u32;
        let randoms = (0..2000).map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            f32::from_bits(state)
        });
        for v in specials.into_iter().chain(randoms).filter(|v| v.is_finite()) {
            // rustc reads `0f32` (integer digits, float suffix) and `-1.5f32` as f32 literals;
            // check the digits parse back to the same bits and the suffix is there.
            let text = f32_lit(v).to_string();
            let digits =
                text.strip_suffix("f32").unwrap_or_else(|| panic!("{text}: no f32 suffix"));
            let parsed: f32 = digits.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            let unsuffixed: f32 = Literal::f32_unsuffixed(v).to_string().parse().unwrap();
            assert_eq!(unsuffixed.to_bits(), v.to_bits(), "{text}");
            assert_eq!(parsed.to_bits(), v.to_bits(), "{text}");
        }
    }
}
