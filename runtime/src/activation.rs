//! Activation functions, exactly as `docs/FORMAT.md` defines them: `tinyae_arith::activation`,
//! which the reference interpreter (`tinyae-core`) also calls, so the two agree bit for bit.

pub use tinyae_arith::activation::*;
