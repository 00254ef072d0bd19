//! Statements that run a stretch of layers: each layer's function called on the part of the
//! scratch the core's buffer plan gives its input and output, or on the caller's buffers at the
//! ends. Views are the runtime's panic-free, compile-time-checked slices of the scratch.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use tinyae_core::plan::{fused_repeat, Place};

use super::literal::usize_lit;
use super::Context;

/// Where a run's first layer reads.
#[derive(Debug, Clone)]
pub enum Input {
    /// The caller's buffer (an identifier in scope), read as it is.
    Caller(TokenStream),
    /// The caller's raw f32 input: scaled into the scratch first when the plan says so
    /// (`BufferPlan::scaled_input`), otherwise read as it is.
    Raw(TokenStream),
    /// The scratch, where the plan put the previous layer's output (or the converted input).
    Plan,
}

/// Where a run's last layer writes.
#[derive(Debug, Clone)]
pub enum Output {
    /// The caller's buffer (an identifier in scope).
    Caller(TokenStream),
    /// The scratch, where the plan puts it.
    Plan,
}

/// Where a layer reads or writes.
#[derive(Debug, Clone)]
enum Loc {
    /// A caller's buffer (an identifier in scope).
    Caller(TokenStream),
    /// A region of the scratch array.
    Scratch(Place),
}

impl Context<'_> {
    /// Where the plan puts the input of layer `j`: the previous output, or the converted
    /// input before the first layer.
    pub fn input_place(&self, j: usize) -> Place {
        match j.checked_sub(1) {
            Some(p) => self.plan.places[p],
            None => self.plan.scaled_input.unwrap_or(Place::Front),
        }
    }

    /// Statements running layers `from..=to`, the scratch array bound to `s`.
    pub fn run(&self, from: usize, to: usize, input: Input, output: Output) -> TokenStream {
        let s_lit = usize_lit(self.plan.scratch_len);
        let shapes = &self.shapes;
        let len = |j: usize| usize_lit(shapes[j].iter().product());
        let mut out = TokenStream::new();
        let mut src = match input {
            Input::Raw(x) => match (from, self.plan.scaled_input) {
                (0, Some(place)) => {
                    let view = self.single_view(place);
                    let n = len(0);
                    out.extend(quote!(rt::scale_into(#x, &SCALING, rt::#view::<#s_lit, #n>(s));));
                    Loc::Scratch(place)
                }
                _ => Loc::Caller(x),
            },
            Input::Caller(x) => Loc::Caller(x),
            Input::Plan => Loc::Scratch(self.input_place(from)),
        };
        for j in from..=to {
            if j < to && fused_repeat(self.model, j) {
                // Not written: the LSTM after it reads its input (`src`).
                continue;
            }
            let fused = j > 0 && fused_repeat(self.model, j - 1);
            let (a, b) = (if fused { len(j - 1) } else { len(j) }, len(j + 1));
            let dst = match (&output, j == to) {
                (Output::Caller(t), true) => Loc::Caller(t.clone()),
                _ => Loc::Scratch(self.plan.places[j]),
            };
            out.extend(if self.model.layers[j].op.is_view() {
                self.view_copy(&src, &dst, &s_lit, &a)
            } else {
                self.call(j, &src, &dst, (&s_lit, &a, &b))
            });
            src = dst;
        }
        out
    }

    /// The call of layer `j`'s function from `src` to `dst` (`a` and `b` values; an LSTM also
    /// gets its state next to them).
    fn call(
        &self,
        j: usize,
        src: &Loc,
        dst: &Loc,
        (s, a, b): (&Literal, &Literal, &Literal),
    ) -> TokenStream {
        let f = self.layer_fn(j);
        let state = self.plan.state[j];
        let e = usize_lit(state);
        let front_back = self.precision.view("front_back");
        match (src, dst) {
            (Loc::Caller(x), Loc::Caller(y)) if state > 0 => {
                let front = self.precision.view("front");
                quote!(#f(#x, #y, rt::#front::<#s, #e>(s));)
            }
            (Loc::Caller(x), Loc::Caller(y)) => quote!(#f(#x, #y);),
            (Loc::Caller(x), Loc::Scratch(p)) if state > 0 => {
                let call = if *p == Place::Front {
                    quote!(let (output, state) = rt::#front_back::<#s, #b, #e>(s);)
                } else {
                    quote!(let (state, output) = rt::#front_back::<#s, #e, #b>(s);)
                };
                quote! {{ #call #f(#x, output, state); }}
            }
            (Loc::Caller(x), Loc::Scratch(p)) => {
                let view = self.single_view(*p);
                quote!(#f(#x, rt::#view::<#s, #b>(s));)
            }
            (Loc::Scratch(p), Loc::Caller(y)) if state > 0 => {
                let call = if *p == Place::Front {
                    quote!(let (input, state) = rt::#front_back::<#s, #a, #e>(s);)
                } else {
                    quote!(let (state, input) = rt::#front_back::<#s, #e, #a>(s);)
                };
                quote! {{ #call #f(input, #y, state); }}
            }
            (Loc::Scratch(p), Loc::Caller(y)) => {
                let view = self.single_view(*p);
                quote!(#f(rt::#view::<#s, #a>(s), #y);)
            }
            (Loc::Scratch(p), Loc::Scratch(_)) if state > 0 => {
                let name = if *p == Place::Front { "front_state_back" } else { "back_state_front" };
                let view = self.precision.view(name);
                quote! {{
                    let (input, state, output) = rt::#view::<#s, #a, #e, #b>(s);
                    #f(input, output, state);
                }}
            }
            (Loc::Scratch(p), Loc::Scratch(_)) => {
                let view = self.pair_view(*p);
                quote! {{
                    let (input, output) = rt::#view::<#s, #a, #b>(s);
                    #f(input, output);
                }}
            }
        }
    }

    /// A flatten or reshape layer: nothing to do where its output stays in place, a copy where
    /// it meets a caller's buffer.
    fn view_copy(&self, src: &Loc, dst: &Loc, s: &Literal, n: &Literal) -> TokenStream {
        match (src, dst) {
            (Loc::Scratch(a), Loc::Scratch(b)) if a == b => quote!(),
            (Loc::Caller(x), Loc::Caller(y)) => quote!(rt::copy(#x, #y);),
            (Loc::Caller(x), Loc::Scratch(p)) => {
                let view = self.single_view(*p);
                quote!(rt::copy(#x, rt::#view::<#s, #n>(s));)
            }
            (Loc::Scratch(p), Loc::Caller(y)) => {
                let view = self.single_view(*p);
                quote!(rt::copy(rt::#view::<#s, #n>(s), #y);)
            }
            (Loc::Scratch(p), Loc::Scratch(_)) => {
                let view = self.pair_view(*p);
                quote! {{
                    let (input, output) = rt::#view::<#s, #n, #n>(s);
                    rt::copy(input, output);
                }}
            }
        }
    }

    /// The values at `place`, `n` of them, as an expression over the scratch `s`.
    pub fn at(&self, place: Place, n: usize) -> TokenStream {
        let view = self.single_view(place);
        let (s, n) = (usize_lit(self.plan.scratch_len), usize_lit(n));
        quote!(rt::#view::<#s, #n>(s))
    }

    /// The view of one end of the scratch.
    pub fn single_view(&self, place: Place) -> proc_macro2::Ident {
        self.precision.view(match place {
            Place::Front => "front",
            _ => "back",
        })
    }

    /// The view reading the end `input` and writing the other.
    pub fn pair_view(&self, input: Place) -> proc_macro2::Ident {
        self.precision.view(match input {
            Place::Front => "front_to_back",
            _ => "back_to_front",
        })
    }

    /// Whether running layers `from..=to` touches the scratch (a single layer between caller
    /// buffers with nothing to scale and no state does not).
    pub fn uses_scratch(&self, from: usize, to: usize, input: &Input, output: &Output) -> bool {
        let direct = match input {
            Input::Caller(_) => true,
            Input::Raw(_) => from != 0 || self.plan.scaled_input.is_none(),
            Input::Plan => false,
        };
        !(from == to && direct && matches!(output, Output::Caller(_)) && self.plan.state[from] == 0)
    }

    /// `let s = &mut scratch.0;` when the run touches scratch, else a use of `scratch` that
    /// keeps the parameter from being reported unused.
    pub fn bind_scratch(&self, uses: bool) -> TokenStream {
        if uses {
            quote!(let s = &mut scratch.0;)
        } else {
            quote!(let _ = scratch;)
        }
    }
}
