//! How the generated code stores weights and which kernel reads them: the block sizes the code
//! generator lays weights out in and the runtime's kernels read, and the set of targets that
//! take the SIMD kernels (and the weight order made for them).

/// Outputs per block of the f32 kernel's weights (`tinyae::__private::Blocked`): each block's
/// weights are one contiguous run, transposed. Eight is what the Cortex-M4F micro-kernel keeps
/// in registers next to eight inputs and sixteen weights (its 32 single-precision registers).
/// Measured in docs/FIRMWARE.md and docs/UNROLL.md.
pub const BLOCK: usize = 8;

/// Blocks the SIMD f32 kernel processes together (32 accumulators: four AVX or eight SSE
/// registers); on SIMD targets each full group's weights are stored as one
/// `[input][BLOCK · SIMD_GROUP]` run.
pub const SIMD_GROUP: usize = 4;

/// Outputs per block of the half-precision kernel's weights (`BlockedW`): 32 accumulators.
pub const BLOCK_W: usize = 32;

/// Outputs per block of the int8 kernel's weights (`BlockedI8`), input pairs interleaved.
pub const BLOCK_I8: usize = 32;

/// Outputs per block of the block-sparse kernels' weights (`BlockSparse`, `BlockSparseI8`):
/// a pruned layer keeps the same number of whole input columns in every block of this many
/// outputs, so its kernels run dense blocks of 32 accumulators over the kept inputs.
pub const BLOCK_SPARSE: usize = 32;

/// The targets with the SIMD kernels, as the `cfg` predicate the generated code writes
/// before the weight order made for them ([`by_simd!`](crate::by_simd) expands the same
/// predicate; a test checks they are one).
pub const SIMD_PREDICATE: &str = "any(target_feature = \"sse2\", target_feature = \"neon\", \
                                  target_feature = \"simd128\", target_feature = \"v\")";

/// Items for SIMD targets (`yes`) and for the others (`no`): the one place that names what
/// counts as a SIMD target ([`SIMD_PREDICATE`] spells it for the code generator).
#[macro_export]
macro_rules! by_simd {
    (yes: { $($yes:item)* } no: { $($no:item)* }) => {
        $(#[cfg(any(
            target_feature = "sse2",
            target_feature = "neon",
            target_feature = "simd128",
            target_feature = "v"
        ))] $yes)*
        $(#[cfg(not(any(
            target_feature = "sse2",
            target_feature = "neon",
            target_feature = "simd128",
            target_feature = "v"
        )))] $no)*
    };
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;
    use std::string::String;

    fn squash(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    /// The macro's two `cfg`s are the string's predicate and its negation, token for token.
    #[test]
    fn the_predicate_is_written_once() {
        let source = include_str!("layout.rs");
        let start = source.find("macro_rules! by_simd").expect("the macro is in this file");
        let body = squash(&source[start..]);
        let yes = squash(&format!("#[cfg({})]", super::SIMD_PREDICATE));
        let no = squash(&format!("#[cfg(not({}))]", super::SIMD_PREDICATE));
        assert!(body.contains(&yes), "{yes} not in the macro");
        assert!(body.contains(&no), "{no} not in the macro");
    }
}
