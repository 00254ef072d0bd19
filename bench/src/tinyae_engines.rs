//! tinyae's generated code for every shipped model and precision, expanded by the macro
//! exactly as a user's crate would: `reconstruct_into` (raw input to raw output, caller
//! buffers) in every unroll mode for f32, `auto` for the other precisions, and the int8
//! models' `reconstruct_q` (int8 in and out).

use std::hint::black_box;

use tinyae::{Autoencoder, ModelInfo};

use crate::engine::{Engine, Io, Local, Timed};

pub mod sensor {
    tinyae::autoencoder!(pub Full = "../models/sensor.safetensors", unroll = full);
    tinyae::autoencoder!(pub Loops = "../models/sensor.safetensors", unroll = loops);
    tinyae::autoencoder!(pub Auto = "../models/sensor.safetensors");
}

pub mod ecg5000 {
    tinyae::autoencoder!(pub Full = "../models/ecg5000.safetensors", unroll = full);
    tinyae::autoencoder!(pub Loops = "../models/ecg5000.safetensors", unroll = loops);
    tinyae::autoencoder!(pub Auto = "../models/ecg5000.safetensors");
    tinyae::autoencoder!(pub F16 = "../models/ecg5000.f16.safetensors");
    tinyae::autoencoder!(pub Int8 = "../models/ecg5000.int8.safetensors");
    tinyae::autoencoder!(pub Pruned = "../models/ecg5000.pruned80.safetensors");
    tinyae::autoencoder!(pub PrunedInt8 = "../models/ecg5000.pruned80.int8.safetensors");
    tinyae::autoencoder!(pub Block = "../models/ecg5000.block80.safetensors");
    tinyae::autoencoder!(pub BlockInt8 = "../models/ecg5000.block80.int8.safetensors");
}

/// MNIST fully unrolled is 221,184 straight-line statements; it is compiled only with the
/// `mnist-full` feature (see docs/UNROLL.md for what it costs).
pub mod mnist {
    #[cfg(feature = "mnist-full")]
    tinyae::autoencoder!(pub Full = "../models/mnist.safetensors", unroll = full);
    tinyae::autoencoder!(pub Loops = "../models/mnist.safetensors", unroll = loops);
    tinyae::autoencoder!(pub Auto = "../models/mnist.safetensors");
    tinyae::autoencoder!(pub F16 = "../models/mnist.f16.safetensors");
    tinyae::autoencoder!(pub Int8 = "../models/mnist.int8.safetensors");
    tinyae::autoencoder!(pub Pruned = "../models/mnist.pruned80.safetensors");
    tinyae::autoencoder!(pub PrunedInt8 = "../models/mnist.pruned80.int8.safetensors");
    tinyae::autoencoder!(pub Block = "../models/mnist.block80.safetensors");
    tinyae::autoencoder!(pub BlockInt8 = "../models/mnist.block80.int8.safetensors");
}

/// `M::reconstruct_into`: raw input to raw output, with caller-provided buffers.
struct Generated<M: ModelInfo, const N: usize, const L: usize> {
    label: &'static str,
    scratch: M::Scratch,
    x: [f32; N],
    y: [f32; N],
}

impl<M: Autoencoder<N, L>, const N: usize, const L: usize> Local for Generated<M, N, L> {
    fn name(&self) -> String {
        format!("tinyae {}", self.label)
    }

    fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
        self.x = x.try_into().map_err(|_| format!("expected {N} inputs"))?;
        M::reconstruct_into(&self.x, &mut self.scratch, &mut self.y);
        Ok(self.y.to_vec())
    }

    fn call(&mut self) {
        M::reconstruct_into(black_box(&self.x), &mut self.scratch, &mut self.y);
        black_box(&mut self.y);
    }
}

fn boxed<M: Autoencoder<N, L> + 'static, const N: usize, const L: usize>(
    label: &'static str,
) -> (Box<dyn Engine>, Io) {
    let g = Generated::<M, N, L> { label, scratch: M::new_scratch(), x: [0.0; N], y: [0.0; N] };
    (Timed::boxed(g), Io::Raw)
}

/// `reconstruct_q` of an int8 model type: int8 in and out, values as f32 for the check.
macro_rules! int8_engine {
    ($m:ty, $n:literal) => {{
        struct Q {
            scratch: <$m as ModelInfo>::Scratch,
            x: [i8; $n],
            y: [i8; $n],
        }
        impl Local for Q {
            fn name(&self) -> String {
                "tinyae auto, reconstruct_q".into()
            }
            fn run(&mut self, x: &[f32]) -> Result<Vec<f32>, String> {
                for (q, v) in self.x.iter_mut().zip(x) {
                    *q = *v as i8;
                }
                <$m>::reconstruct_q(&self.x, &mut self.scratch, &mut self.y);
                Ok(self.y.iter().map(|v| f32::from(*v)).collect())
            }
            fn call(&mut self) {
                <$m>::reconstruct_q(black_box(&self.x), &mut self.scratch, &mut self.y);
                black_box(&mut self.y);
            }
        }
        let q = Q { scratch: <$m as ModelInfo>::new_scratch(), x: [0; $n], y: [0; $n] };
        (Timed::boxed(q), Io::Int8)
    }};
}

/// The `auto` expansion of every variant, from one table: the families that ship the same
/// variants (`family [N, L]`, comma-separated), then their `{ precision => model type }`, with
/// `+ int8_engine` on the int8 models (which also get the `reconstruct_q` engine). Writes
/// `auto_engines` and `weight_bytes`, so the engines timed and the sizes reported are those of
/// the same type.
macro_rules! variants {
    ($($($family:ident [$n:literal, $l:literal]),+: $variants:tt;)+) => {
        /// The engines of the `auto` expansion of a variant (none for an unknown one).
        fn auto_engines(family: &str, precision: &str) -> Vec<(Box<dyn Engine>, Io)> {
            match family {
                $($(
                    stringify!($family) => variants!(@engines $family [$n, $l] precision $variants),
                )+)+
                _ => Vec::new(),
            }
        }

        /// `WEIGHT_BYTES` of the `auto` expansion of a variant: the constant data its code reads.
        pub fn weight_bytes(family: &str, precision: &str) -> Option<usize> {
            match family {
                $($(stringify!($family) => variants!(@bytes $family precision $variants),)+)+
                _ => None,
            }
        }
    };
    (@engines $family:ident [$n:literal, $l:literal] $precision:ident {
        $($p:literal => $ty:ident $(+ $extra:ident)?,)+
    }) => {
        match $precision {
            $($p => vec![boxed::<$family::$ty, $n, $l>("auto"), $($extra!($family::$ty, $n),)?],)+
            _ => Vec::new(),
        }
    };
    (@bytes $family:ident $precision:ident { $($p:literal => $ty:ident $(+ $extra:ident)?,)+ }) => {
        match $precision {
            $($p => Some($family::$ty::WEIGHT_BYTES),)+
            _ => None,
        }
    };
}

variants! {
    sensor [3, 2]: {
        "f32" => Auto,
    };
    ecg5000 [140, 8], mnist [784, 32]: {
        "f32" => Auto,
        "f16" => F16,
        "int8" => Int8 + int8_engine,
        "f32 80 % pruned" => Pruned,
        "int8 80 % pruned" => PrunedInt8 + int8_engine,
        "f32 80 % block-pruned" => Block,
        "int8 80 % block-pruned" => BlockInt8 + int8_engine,
    };
}

/// tinyae's engines for one variant: `auto` (and `reconstruct_q` for int8), then, for f32 with
/// `modes`, the other unroll modes.
pub fn engines(family: &str, precision: &str, modes: bool) -> Vec<(Box<dyn Engine>, Io)> {
    let mut v = auto_engines(family, precision);
    if modes && precision == "f32" {
        match family {
            "sensor" => {
                v.push(boxed::<sensor::Loops, 3, 2>("loops"));
                v.push(boxed::<sensor::Full, 3, 2>("full"));
            }
            "ecg5000" => {
                v.push(boxed::<ecg5000::Loops, 140, 8>("loops"));
                v.push(boxed::<ecg5000::Full, 140, 8>("full"));
            }
            "mnist" => {
                v.push(boxed::<mnist::Loops, 784, 32>("loops"));
                #[cfg(feature = "mnist-full")]
                v.push(boxed::<mnist::Full, 784, 32>("full"));
            }
            _ => {}
        }
    }
    v
}

/// The unroll sweep's engines (`sweep.rs`): `full` and `loops` of one model type.
pub fn sweep_boxed<M: Autoencoder<N, L> + 'static, const N: usize, const L: usize>(
    label: &'static str,
) -> Box<dyn Engine> {
    boxed::<M, N, L>(label).0
}
