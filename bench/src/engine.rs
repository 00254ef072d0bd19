//! What the bench needs from every engine: one inference to check, then timing samples that
//! the driver interleaves with every other engine's (`timing::interleaved`).

use std::hint::black_box;

use crate::timing::{calls_per_sample, sample_ns};

/// An inference engine loaded with one model.
pub trait Engine {
    /// The name printed in the table, e.g. `tinyae auto` or `TFLite+XNNPACK 2.3.0`.
    fn name(&self) -> String;
    /// One inference of `x`, batch 1; `x` stays the input of the timed calls.
    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String>;
    /// Warms up (caches, branch predictors, lazy engine state) and picks the calls per sample.
    fn warm(&mut self) -> Result<(), String>;
    /// Nanoseconds per call over one sample of back-to-back calls on the input of `run`.
    fn sample(&mut self) -> Result<f64, String>;
    /// `(scale, zero point)` of int8 output in parameters of the engine's own (TFLite fixes
    /// them for sigmoid and tanh); `None`: the model's.
    fn output_params(&self) -> Option<(f32, i32)> {
        None
    }
}

/// An engine that runs in this process: one inference on the bound input per `call`.
pub trait Local {
    fn name(&self) -> String;
    /// One inference of `x`; keeps what `call` needs to repeat it.
    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String>;
    /// One inference of the input of the last `run`, its result discarded (`black_box`).
    fn call(&mut self);
}

/// A [`Local`] engine with its calls per sample.
pub struct Timed<T: Local> {
    inner: T,
    calls: usize,
}

impl<T: Local> Timed<T> {
    pub fn boxed(inner: T) -> Box<dyn Engine>
    where
        T: 'static,
    {
        Box::new(Timed { inner, calls: 1 })
    }
}

impl<T: Local> Engine for Timed<T> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
        self.inner.run(x)
    }

    fn warm(&mut self) -> Result<(), String> {
        let inner = &mut self.inner;
        self.calls = calls_per_sample(|| inner.call());
        Ok(())
    }

    fn sample(&mut self) -> Result<f64, String> {
        let inner = &mut self.inner;
        Ok(sample_ns(self.calls, || {
            inner.call();
            black_box(());
        }))
    }
}

/// What an engine takes and returns, which decides what it is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Io {
    /// tinyae's API: raw input in user units to raw output (input scaling included).
    Raw,
    /// The bare network on scaled f32 input (the float peers).
    Scaled,
    /// int8 in and out: the quantized scaled input, int8 output values (as f32).
    Int8,
}
