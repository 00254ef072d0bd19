//! `flatten`: any shape to one axis. The values do not move; no activation.

use serde::{Deserialize, Serialize};

use super::common::{numel, plain};
use super::{OpFile, OpSpec, ShapeSite};
use crate::activation::Activation;
use crate::error::Error;
use crate::format::Tensors;
use crate::ir::{Layer, Op};

/// To one axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flatten;

impl OpSpec for Flatten {
    fn is_view(&self) -> bool {
        true
    }

    fn output_shape(&self, input: &[usize], _site: &ShapeSite<'_>) -> Result<Vec<usize>, Error> {
        Ok(vec![numel(input)])
    }

    fn check_dims(&self, _layer: &str, _errors: &mut Vec<Error>) {}

    fn reference(&self, _input: &[usize], x: &[f32]) -> Vec<f32> {
        x.to_vec()
    }
}

/// `{"op": "flatten", ...}`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlattenDoc {
    name: String,
}

impl OpFile for Flatten {
    type Doc = FlattenDoc;
    const SECTION: &'static str = super::OPS_SECTION;

    fn read(d: FlattenDoc, _at: &str, _tensors: &Tensors<'_>) -> Result<Layer, Vec<Error>> {
        Ok(plain(d.name, Op::Flatten(Flatten)))
    }

    fn write(&self, name: &str, _: Activation) -> FlattenDoc {
        FlattenDoc { name: name.to_owned() }
    }
}
