//! `repeat`: `[features]` → `[times, features]`, the vector repeated once per step (Keras'
//! `RepeatVector`), feeding a sequence decoder. No activation.

use serde::{Deserialize, Serialize};

use super::common::{plain, Dims};
use super::{OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use crate::error::Error;
use crate::format::Tensors;
use crate::ir::{Layer, Op};

/// `[features]` → `[times, features]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    /// Number of copies (steps).
    pub times: usize,
}

impl OpSpec for Repeat {
    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        match *input {
            [f] => Ok(vec![self.times, f]),
            _ => Err(site.chain(
                format!("expects a vector ([features]), found {input:?}"),
                "add a `flatten` layer before it",
            )),
        }
    }

    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>) {
        Dims { layer, errors }.one("times", self.times);
    }

    fn reference(&self, _input: &[usize], x: &[f32]) -> Vec<f32> {
        (0..self.times).flat_map(|_| x.iter().copied()).collect()
    }
}

/// `{"op": "repeat", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatDoc {
    name: String,
    times: usize,
}

impl OpFile for Repeat {
    type Doc = RepeatDoc;
    const SECTION: &'static str = super::OPS_SECTION;

    fn read(d: RepeatDoc, _at: &str, _tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        Ok(plain(d.name, Op::Repeat(Repeat { times: d.times })))
    }

    fn write(&self, name: &str, _: Activation) -> RepeatDoc {
        RepeatDoc { name: name.to_owned(), times: self.times }
    }
}
