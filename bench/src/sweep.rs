//! The unroll sweep behind the `auto` policy: the same synthetic model shape expanded fully
//! unrolled and with loops, at growing layer sizes (models written by `build.rs`).

#![allow(clippy::type_complexity)]

include!(concat!(env!("OUT_DIR"), "/sweep.rs"));
