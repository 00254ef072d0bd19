//! Structure-aware: a random model of any layer kind and precision (`random_model`, anything
//! domain: dense, conv2d, conv_transpose2d, max_pool2d, upsample2d, flatten, reshape, lstm,
//! repeat, gaussian_head; f32, f16, bf16, int8, pruned), bent in up to three places, written by
//! core's writer, then loaded and validated as the macro would. A model that validates is run
//! through the cost model, the reference interpreter and what the generator supports, and one
//! code expansion under options the input picks. Nothing may panic.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use tinyae_codegen::{Fma, Options, Parts, Unroll};
use tinyae_core::random_model::{self, Choices, Domain};

/// Above this many parameters `unroll = "full"` is expanded as `loops`: a fully unrolled
/// layer is one statement per weight from the same emitter code at every size, so large ones
/// only cost time (they took ~40 % of all executions' time).
const FULL_UNROLL_PARAMS: usize = 4096;

/// The fuzzer's bytes as decisions; a dry source answers 0.
struct Bytes<'a>(Unstructured<'a>);

impl Choices for Bytes<'_> {
    fn below(&mut self, n: usize) -> usize {
        self.0.choose_index(n).unwrap_or(0)
    }

    fn bits(&mut self) -> u32 {
        self.0.arbitrary().unwrap_or(0)
    }
}

fuzz_target!(|data: &[u8]| {
    let mut c = Bytes(Unstructured::new(data));
    let model = random_model::model(&mut c, Domain::Anything);
    let Ok(bytes) = tinyae_core::format::to_bytes(&model) else { return };
    // Replaying a crash with this set saves the model file it built, for `tinyae inspect`.
    if let Some(path) = std::env::var_os("TINYAE_FUZZ_SAVE") {
        let _ = std::fs::write(path, &bytes);
    }
    let Ok(model) = tinyae_core::load(&bytes) else { return };
    let params = tinyae_core::cost::cost(&model).params;
    let x = random_model::inputs(&mut c, &model);
    let _ = tinyae_core::reference::reconstruct(&model, &x);
    let _ = tinyae_core::reference::anomaly_score(&model, &x);
    if tinyae_codegen::support::check(&model).is_ok() {
        let unroll = match c.pick(&[Unroll::Full, Unroll::Loops, Unroll::Auto]) {
            Unroll::Full if params > FULL_UNROLL_PARAMS => Unroll::Loops,
            unroll => unroll,
        };
        let parts = c.pick(&[Parts::All, Parts::Encoder, Parts::Decoder]);
        let fma = c.pick(&[Fma::Off, Fma::On, Fma::Auto]);
        let _ = tinyae_codegen::expand_model(&model, "Fuzzed", Options { unroll, parts, fma });
    }
});
