//! The JSON documents stored in `__metadata__`, as serde types.
//!
//! These mirror docs/FORMAT.md field for field. They hold tensor *keys*; `read.rs` resolves the
//! keys to tensors and builds the IR.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `tinyae.graph`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GraphDoc {
    /// `"autoencoder"` or `"vae"`.
    pub kind: String,
    /// Shape of one input sample.
    pub input_shape: Vec<usize>,
    /// Index into `layers` of the layer whose output is the latent code.
    pub latent_layer: usize,
    /// Layers in evaluation order; each is parsed by its `op`.
    pub layers: Vec<Value>,
}

/// `tinyae.preprocessing`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum PreprocessingDoc {
    None,
    MinMax { min: Vec<f32>, max: Vec<f32> },
    Standard { mean: Vec<f32>, std: Vec<f32> },
}

/// `tinyae.anomaly`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AnomalyDoc {
    pub metric: MetricDoc,
    pub threshold: f32,
    #[serde(default = "manual")]
    pub calibration: CalibrationDoc,
}

fn manual() -> CalibrationDoc {
    CalibrationDoc::Manual
}

#[derive(Debug, Deserialize, Serialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum MetricDoc {
    Mse,
    Mae,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum CalibrationDoc {
    Percentile {
        percentile: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        samples: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        split: Option<String>,
    },
    MeanStd {
        k: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        samples: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        split: Option<String>,
    },
    Manual,
}

/// `tinyae.provenance`: known fields typed, anything else kept as a string.
#[derive(Debug, Deserialize, Serialize, Default)]
pub struct ProvenanceDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val_loss: Option<f64>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}
