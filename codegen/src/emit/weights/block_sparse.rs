//! The block-sparse form of pruned layers (`rt::BlockSparse`, `rt::BlockSparseI8`): per block
//! of 32 outputs, the kept input columns' indices and their weights, transposed
//! (`tinyae_core::block_sparse` says when a layer takes it).

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use tinyae_core::block_sparse::{blocks, Pattern, BLOCK_SPARSE};
use tinyae_core::ir::{Affine, Dense};
use tinyae_core::Activation;

use crate::emit::literal::{f32_array, usize_lit};

/// `[idx, ...]` of `u16` literals.
fn indices(columns: &[usize]) -> TokenStream {
    let items = columns.iter().map(|i| Literal::u16_unsuffixed(*i as u16));
    quote!([#(#items),*])
}

/// `static W: $ty<K, G, R>` (`ty` `rt::BlockSparse` or `rt::BlockSparseI8`, `K` rows per block)
/// over the `o_n` outputs in blocks of 32: per block, `tile(outputs, kept columns)` and
/// `index(kept columns)`. Without tail outputs the tail is `K` empty rows with the last block's
/// indices (never read).
fn static_w(
    ty: TokenStream,
    o_n: usize,
    p: &Pattern,
    rows: usize,
    tile: impl Fn(core::ops::Range<usize>, &[usize]) -> TokenStream,
    index: impl Fn(&[usize]) -> TokenStream,
) -> TokenStream {
    let full = o_n / BLOCK_SPARSE;
    let all: Vec<_> = blocks(o_n).zip(&p.columns).collect();
    let tiles = all[..full].iter().map(|(outs, kept)| tile(outs.clone(), kept));
    let indices = all[..full].iter().map(|(_, kept)| index(kept));
    let (tail, tail_index) = match all.get(full) {
        Some((outs, kept)) => (tile(outs.clone(), kept), index(kept)),
        None => {
            let empty = (0..rows).map(|_| quote!([]));
            (quote!([#(#empty),*]), index(&p.columns[0]))
        }
    };
    let (k, g, r) = (usize_lit(rows), usize_lit(full), usize_lit(o_n % BLOCK_SPARSE));
    quote! {
        static W: #ty<#k, #g, #r> = #ty {
            tiles: [#(#tiles),*],
            tail: #tail,
            index: [#(#indices),*],
            tail_index: #tail_index,
        };
    }
}

/// A float layer in block form: `rt::dense_block_sparse`.
pub fn float_call(
    d: &Dense,
    p: &Pattern,
    activation: Activation,
    scaling: Option<&Affine>,
) -> TokenStream {
    let o_n = d.out_features;
    // `[s][k]`: kept column `s` of the block, output `k` of the block.
    let tile = |outs: core::ops::Range<usize>, kept: &[usize]| {
        let rows = kept.iter().map(|&i| {
            let values: Vec<f32> = outs.clone().map(|o| d.w(o, i)).collect();
            f32_array(&values)
        });
        quote!([#(#rows),*])
    };
    let weights = static_w(quote!(rt::BlockSparse), o_n, p, p.kept(), tile, indices);
    let (bias_static, bias_arg, scaling) = super::f32_bias_and_scaling(d, scaling);
    let act = crate::emit::act::value(activation, o_n);
    quote! {
        #weights
        #bias_static
        rt::dense_block_sparse(&W, #bias_arg, x, #scaling, y, #act);
    }
}

/// The int8 weights of a layer in block form (`static W`), for `rt::dense_block_sparse_i8`;
/// an index past the inputs (odd input count) holds zero weights.
pub fn int8_weights(d: &Dense, p: &Pattern) -> TokenStream {
    let o_n = d.out_features;
    let w = |o: usize, i: usize| if i < d.in_features { d.w(o, i) as i8 } else { 0 };
    let tile = |outs: core::ops::Range<usize>, kept: &[usize]| {
        let rows = kept.chunks(2).map(|pair| {
            let row = outs.clone().map(|o| {
                let (a, b) =
                    (Literal::i8_unsuffixed(w(o, pair[0])), Literal::i8_unsuffixed(w(o, pair[1])));
                quote!([#a, #b])
            });
            quote!([#(#row),*])
        });
        quote!([#(#rows),*])
    };
    let pairs = |kept: &[usize]| {
        let items = kept.chunks(2).map(|pair| {
            let (a, b) =
                (Literal::u16_unsuffixed(pair[0] as u16), Literal::u16_unsuffixed(pair[1] as u16));
            quote!([#a, #b])
        });
        quote!([#(#items),*])
    };
    static_w(quote!(rt::BlockSparseI8), o_n, p, p.kept() / 2, tile, pairs)
}
