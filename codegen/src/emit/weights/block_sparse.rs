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
    let full = o_n / BLOCK_SPARSE;
    let all: Vec<_> = blocks(o_n).zip(&p.columns).collect();
    let tiles = all[..full].iter().map(|(outs, kept)| tile(outs.clone(), kept));
    let index = all[..full].iter().map(|(_, kept)| indices(kept));
    let (tail, tail_index) = match all.get(full) {
        Some((outs, kept)) => (tile(outs.clone(), kept), indices(kept)),
        // No tail outputs: `K` empty rows and the last block's indices (never read).
        None => {
            let empty = (0..p.kept()).map(|_| quote!([]));
            (quote!([#(#empty),*]), indices(&p.columns[0]))
        }
    };
    let (k, g, r) = (usize_lit(p.kept()), usize_lit(full), usize_lit(o_n % BLOCK_SPARSE));
    let (bias_static, bias_arg) = match &d.bias {
        Some(b) => {
            let values = f32_array(&b.values);
            (quote!(static B: [f32; #o_n] = #values;), quote!(Some(&B)))
        }
        None => (quote!(), quote!(None)),
    };
    let scaling = match scaling {
        Some(_) => quote!(Some(&SCALING)),
        None => quote!(None),
    };
    let act = crate::emit::act::value(activation, o_n);
    quote! {
        static W: rt::BlockSparse<#k, #g, #r> = rt::BlockSparse {
            tiles: [#(#tiles),*],
            tail: #tail,
            index: [#(#index),*],
            tail_index: #tail_index,
        };
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
    let full = o_n / BLOCK_SPARSE;
    let all: Vec<_> = blocks(o_n).zip(&p.columns).collect();
    let tiles = all[..full].iter().map(|(outs, kept)| tile(outs.clone(), kept));
    let index = all[..full].iter().map(|(_, kept)| pairs(kept));
    let (tail, tail_index) = match all.get(full) {
        Some((outs, kept)) => (tile(outs.clone(), kept), pairs(kept)),
        None => {
            let empty = (0..p.kept() / 2).map(|_| quote!([]));
            (quote!([#(#empty),*]), pairs(&p.columns[0]))
        }
    };
    let (pl, g, r) = (usize_lit(p.kept() / 2), usize_lit(full), usize_lit(o_n % BLOCK_SPARSE));
    quote! {
        static W: rt::BlockSparseI8<#pl, #g, #r> = rt::BlockSparseI8 {
            tiles: [#(#tiles),*],
            tail: #tail,
            index: [#(#index),*],
            tail_index: #tail_index,
        };
    }
}
