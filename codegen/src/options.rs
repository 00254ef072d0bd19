//! The macro's options: defined in the core (`tinyae_core::emission`), whose cost model reads
//! them, so the constants, the rustdoc and `tinyae inspect` make the same decisions.

pub use tinyae_core::emission::{Fma, Options, Parts, Unroll, AUTO_FULL_MAX_MACS};
