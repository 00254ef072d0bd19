//! The tinyae trainer: dfdx-trained autoencoders written as tinyae model files.
//!
//! A [`config::Config`] (TOML) names the data, the network and the training settings;
//! [`pipeline`] runs the whole flow: load → split → scale → train → calibrate → write.

pub mod adversarial;
pub mod baseline;
pub mod calibrate;
pub mod checkpoint;
pub mod cli;
pub mod config;
pub mod data;
pub mod distill;
pub mod events;
pub mod export;
pub mod export_ops;
pub mod kernels;
pub mod layers;
pub mod lower;
pub mod metrics;
pub mod nab;
pub mod net;
pub mod objective;
pub mod optim;
pub mod orphans;
pub mod pipeline;
pub mod plots;
pub mod prune;
pub mod prune_block;
pub mod qat;
pub mod quantize;
pub mod scores;
pub mod spec;
pub mod synth;
pub mod train;
pub mod warnings;
