//! Dense layers: straight-line code with immediates, or a kernel call over `static` weights.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use tinyae_core::ir::{Affine, Dense};
use tinyae_core::Activation;

use super::literal::{f32_array, f32_lit, f32_matrix};

/// The body of a function `fn(x: &[f32; IN], y: &mut [f32; OUT])` computing
/// `y = activation(b + W x')`, where `x'` is `x` scaled by `scaling` when given.
pub fn body(
    d: &Dense,
    activation: Activation,
    scaling: Option<&Affine>,
    unrolled: bool,
) -> TokenStream {
    // f16/bf16 storage and zero weights (skipped terms): `half.rs`.
    if super::half::handles(d) {
        return super::half::body(d, activation, scaling, unrolled, quote!(SCALING));
    }
    if uses_kernel(d, unrolled) {
        kernel_call(d, activation, scaling)
    } else {
        straight_line(d, activation, scaling)
    }
}

/// Whether [`body`] emits a call of the runtime's f32 kernel (`rt::dense`) for the layer: the
/// RAM constants count that kernel's input buffer (`api.rs`).
pub fn uses_kernel(d: &Dense, unrolled: bool) -> bool {
    !unrolled && !super::half::handles(d)
}

/// Straight-line code with every weight an immediate, in axpy order: one accumulator per
/// output (`a0`, `a1`, ...), starting at the bias, then for each input in turn every output
/// gains `w * x_i`. Each output still sums its terms in input order, like the reference
/// interpreter, but consecutive statements are independent, so they pipeline (a statement per
/// output summing all inputs would be one chain of dependent adds). A zero weight (pruned)
/// gets no statement, and an input with only zero weights is never read; f16/bf16 weights
/// appear widened (`half.rs` sends its unrolled layers here).
pub fn straight_line(d: &Dense, activation: Activation, scaling: Option<&Affine>) -> TokenStream {
    let used: Vec<usize> =
        (0..d.in_features).filter(|&i| (0..d.out_features).any(|o| d.w(o, i) != 0.0)).collect();
    let input = |i: usize| format_ident!("x{}", i);
    let accs: Vec<Ident> = (0..d.out_features).map(|o| format_ident!("a{}", o)).collect();
    let bindings = used.iter().map(|&i| {
        let name = input(i);
        match scaling {
            Some(a) => {
                let (offset, scale) = (f32_lit(a.offset[i]), f32_lit(a.scale[i]));
                quote!(let #name = (x[#i] - #offset) * #scale;)
            }
            None => quote!(let #name = x[#i];),
        }
    });
    let starts = accs.iter().enumerate().map(|(o, acc)| {
        let bias = f32_lit(d.b(o));
        if (0..d.in_features).any(|i| d.w(o, i) != 0.0) {
            quote!(let mut #acc = #bias;)
        } else {
            quote!(let #acc = #bias;)
        }
    });
    let terms = used.iter().flat_map(|&i| {
        let name = input(i);
        accs.iter().enumerate().filter(move |(o, _)| d.w(*o, i) != 0.0).map(move |(o, acc)| {
            let w = f32_lit(d.w(o, i));
            quote!(#acc += #w * #name;)
        })
    });
    let outputs = accs.iter().enumerate().map(|(o, acc)| {
        // One scalar statement per output: libm's branches beat computing every range.
        let value = apply(activation, quote!(#acc), false);
        quote!(y[#o] = #value;)
    });
    quote! {
        #(#bindings)*
        #(#starts)*
        #(#terms)*
        #(#outputs)*
    }
}

/// Outputs per block of the runtime kernel (`rt::BLOCK`): each block's weights are one
/// contiguous run, transposed. Eight is what the Cortex-M4F micro-kernel keeps in registers;
/// SIMD targets process four blocks at a time. Measured in docs/FIRMWARE.md and docs/UNROLL.md.
const BLOCK: usize = 8;

/// The `cfg` predicate of a SIMD target: the runtime's `by_simd!` (runtime/src/kernels.rs),
/// which picks the kernel that reads the weights, and this must name the same targets.
fn simd_cfg() -> TokenStream {
    quote!(any(
        target_feature = "sse2",
        target_feature = "neon",
        target_feature = "simd128",
        target_feature = "v"
    ))
}

/// Blocks the SIMD kernel processes together (`GROUP` in the runtime's `kernels/simd.rs`).
const SIMD_GROUP: usize = 4;

/// A call of the runtime's const-generic kernel over blocked, transposed `static` weights.
fn kernel_call(d: &Dense, activation: Activation, scaling: Option<&Affine>) -> TokenStream {
    let (i_n, o_n) = (d.in_features, d.out_features);
    let block = BLOCK;
    let (tiles, rest) = (o_n / block, o_n % block);
    // Columns `from..from + n` of the transposed matrix: `[input][output]`.
    let columns = |from: usize, n: usize| {
        if n == 0 {
            return quote!([[]; #i_n]);
        }
        let values: Vec<f32> =
            (0..i_n).flat_map(|i| (from..from + n).map(move |o| d.w(o, i))).collect();
        f32_matrix(&values, n)
    };
    let blocks: Vec<TokenStream> = (0..tiles).map(|t| columns(t * block, block)).collect();
    // SIMD targets read each full group of `SIMD_GROUP` blocks as one `[input][32 outputs]`
    // run (the runtime's `simd.rs`): the same values, reordered within the group.
    let simd_blocks: Vec<TokenStream> = (0..tiles / SIMD_GROUP)
        .flat_map(|g| {
            let width = block * SIMD_GROUP;
            let values: Vec<f32> =
                (0..i_n).flat_map(|i| (0..width).map(move |c| d.w(g * width + c, i))).collect();
            let tile_len = i_n * block;
            (0..SIMD_GROUP)
                .map(|j| f32_matrix(&values[j * tile_len..(j + 1) * tile_len], block))
                .collect::<Vec<_>>()
        })
        .chain(blocks[tiles - tiles % SIMD_GROUP..].iter().cloned())
        .collect();
    let tail = columns(tiles * block, rest);
    let (bias_static, bias_arg) = match &d.bias {
        Some(b) => {
            let values = f32_array(&b.values);
            (quote!(static B: [f32; #o_n] = #values;), quote!(Some(&B)))
        }
        None => (quote!(), quote!(None)),
    };
    // `SCALING` is the model's input scaling, shared with the score and the unscaling.
    let scaling_arg = match scaling {
        Some(_) => quote!(Some(&SCALING)),
        None => quote!(None),
    };
    let act = act_value(activation, o_n);
    let doc = format!(
        " Blocks of {block} outputs, each transposed: `tiles[t][i][k]` multiplies input `i` into output `t * {block} + k`; `tail` holds the last {rest}."
    );
    // Only one of the two orders is compiled in the user's crate.
    let simd = simd_cfg();
    let weights = if tiles >= SIMD_GROUP {
        quote! {
            #[cfg(#simd)]
            #[doc = #doc]
            static W: rt::Blocked<#i_n, #tiles, #rest> = rt::Blocked {
                tiles: [#(#simd_blocks),*],
                tail: #tail,
            };
            #[cfg(not(#simd))]
            #[doc = #doc]
            static W: rt::Blocked<#i_n, #tiles, #rest> = rt::Blocked {
                tiles: [#(#blocks),*],
                tail: #tail,
            };
        }
    } else {
        quote! {
            #[doc = #doc]
            static W: rt::Blocked<#i_n, #tiles, #rest> = rt::Blocked {
                tiles: [#(#blocks),*],
                tail: #tail,
            };
        }
    };
    quote! {
        #weights
        #bias_static
        static L: rt::Dense<'static, #i_n, #tiles, #rest, #o_n> =
            rt::Dense::new(&W, #bias_arg, #scaling_arg);
        rt::dense(&L, x, y, #act);
    }
}

/// The activation as the value the runtime's dense kernels take (`rt::act::*`, whose `apply`
/// is `#[inline(always)]`): never a closure, which LLVM may leave out of line (a call per
/// output, no vectorization). Layers of `outputs` >= [`BRANCHLESS_MIN_OUTPUTS`] use the
/// branch-free forms on SIMD targets.
pub fn act_value(activation: Activation, outputs: usize) -> TokenStream {
    let wide = outputs >= BRANCHLESS_MIN_OUTPUTS;
    match activation {
        Activation::Linear => quote!(rt::act::Linear),
        Activation::Relu => quote!(rt::act::Relu),
        Activation::Sigmoid => {
            quote!(rt::act::Sigmoid { wide: #wide })
        }
        Activation::LeakyRelu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::act::LeakyRelu { alpha: #alpha })
        }
        Activation::HardSigmoid { slope, offset } => {
            let (slope, offset) = (f32_lit(slope), f32_lit(offset));
            quote!(rt::act::HardSigmoid { slope: #slope, offset: #offset })
        }
        Activation::Tanh => {
            quote!(rt::act::Tanh { wide: #wide })
        }
        Activation::Elu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::act::Elu { alpha: #alpha, wide: #wide })
        }
        Activation::Softplus { beta, threshold } => {
            let (beta, threshold) = (f32_lit(beta), f32_lit(threshold));
            quote!(rt::act::Softplus { beta: #beta, threshold: #threshold, wide: #wide })
        }
    }
}

/// Kernel calls with at least this many outputs use the runtime's `branchless` sigmoid, tanh,
/// ELU and softplus: they compute every range's formula, which pays once a vector's worth of
/// outputs is evaluated at once, but costs more than `libm`'s well-predicted branches for one
/// or two values (the 3-2-3 sensor model: 50 vs 78 ns). Measured in docs/UNROLL.md.
const BRANCHLESS_MIN_OUTPUTS: usize = 8;

/// `activation(value)` as an expression over the runtime's functions; `wide` picks the
/// branch-free forms for vectorized loops.
pub fn apply(activation: Activation, value: TokenStream, wide: bool) -> TokenStream {
    match activation {
        Activation::Linear => value,
        Activation::Relu => quote!(rt::relu(#value)),
        Activation::LeakyRelu { alpha } => {
            let alpha = f32_lit(alpha);
            quote!(rt::leaky_relu(#value, #alpha))
        }
        // The `branchless` functions equal the `rt::` activations bit for bit
        // and have no branches, so a block of them vectorizes.
        Activation::Sigmoid if wide => quote!(rt::branchless::sigmoid(#value)),
        Activation::Sigmoid => quote!(rt::sigmoid(#value)),
        Activation::HardSigmoid { slope, offset } => {
            let (slope, offset) = (f32_lit(slope), f32_lit(offset));
            quote!(rt::hard_sigmoid(#value, #slope, #offset))
        }
        Activation::Tanh if wide => quote!(rt::branchless::tanh(#value)),
        Activation::Tanh => quote!(rt::tanh(#value)),
        Activation::Elu { alpha } => {
            let alpha = f32_lit(alpha);
            if wide {
                quote!(rt::branchless::elu(#value, #alpha))
            } else {
                quote!(rt::elu(#value, #alpha))
            }
        }
        Activation::Softplus { beta, threshold } => {
            let (beta, threshold) = (f32_lit(beta), f32_lit(threshold));
            if wide {
                quote!(rt::branchless::softplus(#value, #beta, #threshold))
            } else {
                quote!(rt::softplus(#value, #beta, #threshold))
            }
        }
    }
}
