//! `flatten` moves nothing: the layer gets no function (`emit::layer_functions` skips views),
//! and where its output meets a caller's buffer the API copies (`emit::run`).

use proc_macro2::TokenStream;
use quote::quote;
use tinyae_core::ir::Flatten;

use super::{EmitOp, LayerCtx};

impl EmitOp for Flatten {
    fn body(&self, _ctx: &LayerCtx<'_>, _items: &mut TokenStream) -> TokenStream {
        quote!()
    }
}
