//! The trainer's compute kernels: dense, convolution, transposed convolution, max pooling,
//! upsampling, repeat and LSTM layers, and the mean squared error, as custom ops on dfdx's
//! tape, forward and backward.
//!
//! dfdx stays the autodiff engine: each op records a backward closure on the tape its input
//! carries (`tape.rs`), so losses, activations and everything composed around the layers keep
//! working unchanged. What the kernels replace is the arithmetic: im2col and matrix products
//! through the `gemm` crate (AVX-512 or AVX2+FMA chosen at run time) instead of index gathers
//! and scatter-adds, and a fused LSTM recurrence instead of a dozen tensor ops per step.
//!
//! Both cores: work is cut into pieces whose sizes depend only on the layer's shape and the
//! batch (halves of a product, chunks of samples, blocks of sequences) and the pieces run
//! on the current rayon pool (`train.threads`). No float sum is ever split between threads:
//! each output value is computed by one piece, and per-piece partial sums (a weight's
//! gradient over chunks of samples) are added in piece order. The same seed therefore gives
//! the same bits with any thread count.

pub(crate) mod activation;
pub mod conv;
pub mod conv_pool;
pub mod dense;
pub(crate) mod direct;
pub(crate) mod fastmath;
pub(crate) mod gemm;
pub(crate) mod loss;
pub mod lstm;
pub mod memory;
pub(crate) mod patches;
pub mod pool;
pub(crate) mod scratch;
pub(crate) mod tape;
pub(crate) mod vector;
