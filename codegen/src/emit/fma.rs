//! The macro's `fma` option in the generated code: which multiply-accumulate the float dense
//! layers use, as a type alias `Mac` (`rt::Separate` or `rt::Fused`) that the blocked kernel's
//! `rt::Dense` and the unrolled statements take, and the `FMA` constant that tells which one a
//! build got. `auto` writes the choice as a `cfg` on the target
//! ([`tinyae_arith::mac::FMA_AUTO_PREDICATE`]), so one expansion serves every target.
//!
//! The fused form covers dense layers (and Gaussian heads, and dense layers applied per step)
//! that are unrolled or run through the blocked f32 kernel; conv and LSTM kernels keep separate
//! multiply-adds, as the reference interpreter's ops do. f16/bf16, pruned and int8 layers have
//! kernels of their own with separate multiply-adds: `fma = true` rejects such a model
//! ([`uncovered`]), `auto` keeps it separate.

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::emission::{Fma, Options};
use tinyae_core::ir::Model;
use tinyae_core::quant;

use tinyae_arith::mac::FMA_AUTO_PREDICATE;

/// Which multiply-accumulate an expansion's float dense layers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `acc + x · w` on every target: no alias, the kernels' default (the code tinyae wrote
    /// before the option).
    Separate,
    /// Fused on every target.
    Fused,
    /// Fused on the targets of [`FMA_AUTO_PREDICATE`], separate elsewhere.
    ByTarget,
}

impl Form {
    /// The form of `model`'s layers under `options` (`fma = true` on a model with uncovered
    /// layers is rejected before emission: [`uncovered`]).
    pub fn of(model: &Model, options: Options) -> Form {
        match options.fma {
            Fma::Off => Form::Separate,
            Fma::On => Form::Fused,
            Fma::Auto if uncovered(model, options).is_empty() => Form::ByTarget,
            Fma::Auto => Form::Separate,
        }
    }

    /// Whether the layers name the `Mac` alias.
    pub fn typed(self) -> bool {
        self != Form::Separate
    }

    /// The `Mac` alias (nothing for [`Form::Separate`]).
    pub fn items(self) -> TokenStream {
        let auto = auto_cfg();
        match self {
            Form::Separate => quote!(),
            Form::Fused => quote!(
                type Mac = rt::Fused;
            ),
            Form::ByTarget => quote! {
                #[cfg(#auto)]
                type Mac = rt::Fused;
                #[cfg(not(#auto))]
                type Mac = rt::Separate;
            },
        }
    }

    /// The value of the generated `FMA` constant.
    pub fn flag(self) -> TokenStream {
        let auto = auto_cfg();
        match self {
            Form::Separate => quote!(false),
            Form::Fused => quote!(true),
            Form::ByTarget => quote!(cfg!(#auto)),
        }
    }
}

/// The `cfg` predicate of the targets where `auto` fuses.
fn auto_cfg() -> TokenStream {
    FMA_AUTO_PREDICATE.parse().unwrap_or_default()
}

/// Why a layer's multiply-adds have no fused form.
pub const INT8: &str = "int8, with integer sums";
/// See [`INT8`].
pub const OWN_KERNEL: &str = "f16/bf16 or pruned weights, with kernels of their own";

/// The emitted layers whose multiply-adds the fused form does not cover, with the reason
/// ([`INT8`], [`OWN_KERNEL`]): dense parts stored f16/bf16 or pruned unless unrolled, and int8
/// layers.
pub fn uncovered(model: &Model, options: Options) -> Vec<(&str, &'static str)> {
    let k = model.latent_layer;
    let emitted = model.layers.iter().enumerate().filter(|(j, _)| options.parts.emits(*j, k));
    emitted
        .filter_map(|(_, layer)| {
            if quant::of(layer).is_some() {
                return Some((layer.name.as_str(), INT8));
            }
            let own_kernel = layer
                .op
                .dense_parts()
                .into_iter()
                .any(|d| !options.unrolls(d) && !crate::emit::weights::uses_kernel(d, false));
            own_kernel.then_some((layer.name.as_str(), OWN_KERNEL))
        })
        .collect()
}
