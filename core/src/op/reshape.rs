//! `reshape`: a new shape for the same values (row-major order unchanged); no activation.

use serde::{Deserialize, Serialize};

use super::common::{check_numel, numel, plain, Dims};
use super::{OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use crate::error::{Error, ErrorKind};
use crate::format::{Tensors, MAX_DIM};
use crate::ir::{Layer, Op};

/// A new shape for the same values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reshape {
    /// The shape of one sample after the layer.
    pub shape: Vec<usize>,
}

impl OpSpec for Reshape {
    fn is_view(&self) -> bool {
        true
    }

    fn output_shape(&self, input: &[usize], site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        let (have, want) = (numel(input), numel(&self.shape));
        if have != want {
            return Err(site.chain(
                format!("to {:?} needs {want} values but its input {input:?} has {have}", self.shape),
                "give a target `shape` with as many values as the previous layer produces",
            ));
        }
        Ok(self.shape.clone())
    }

    fn check_dims(&self, layer: &str, errors: &mut Vec<Error>) {
        if self.shape.is_empty() {
            errors.push(
                Error::new(
                    ErrorKind::BadDim,
                    format!("`shape` of layer `{layer}` is empty, expected the shape of one sample"),
                )
                .help("give the target shape, e.g. [16, 7, 7]"),
            );
        }
        let mut dims = Dims { layer, errors };
        for (i, d) in self.shape.iter().enumerate() {
            dims.one(&format!("shape[{i}]"), *d);
        }
        if self.shape.iter().all(|d| (1..=MAX_DIM).contains(d)) {
            check_numel(&format!("`shape` of layer `{layer}`"), &self.shape, errors);
        }
    }

    fn reference(&self, _input: &[usize], x: &[f32]) -> Vec<f32> {
        x.to_vec()
    }
}

/// `{"op": "reshape", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReshapeDoc {
    name: String,
    shape: Vec<usize>,
}

impl OpFile for Reshape {
    type Doc = ReshapeDoc;
    const SECTION: &'static str = super::OPS_SECTION;

    fn read(d: ReshapeDoc, _at: &str, _tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        Ok(plain(d.name, Op::Reshape(Reshape { shape: d.shape })))
    }

    fn write(&self, name: &str, _: Activation) -> ReshapeDoc {
        ReshapeDoc { name: name.to_owned(), shape: self.shape.clone() }
    }
}
