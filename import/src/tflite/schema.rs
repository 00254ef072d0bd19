//! The parts of TensorFlow Lite's schema (`schema.fbs`, version 3) tinyae reads, as plain
//! data: field ids are the schema's declaration order (a union takes two: type, then value).

use super::flatbuf::{root, Error, Table};

/// Declares, from one list, the builtin operator codes as constants (`op::ADD`, ...) and the
/// table `op_name` reads, so a code and its name in messages cannot disagree.
macro_rules! builtin_ops {
    ($($name:ident = $code:literal,)*) => {
        /// Builtin operator codes (the schema's `BuiltinOperator`): the ones tinyae reads and
        /// the ones its messages name.
        #[allow(dead_code)] // codes named in messages only (ops tinyae rejects) are not matched on
        pub mod op {
            $(pub const $name: i32 = $code;)*
        }
        /// `(code, name)` of every code in `op`.
        const OP_NAMES: &[(i32, &str)] = &[$(($code, stringify!($name)),)*];
    };
}

builtin_ops! {
    ADD = 0,
    AVERAGE_POOL_2D = 1,
    CONCATENATION = 2,
    CONV_2D = 3,
    DEPTHWISE_CONV_2D = 4,
    DEQUANTIZE = 6,
    FULLY_CONNECTED = 9,
    LOGISTIC = 14,
    LSTM = 16,
    MAX_POOL_2D = 17,
    MUL = 18,
    RELU = 19,
    RELU6 = 21,
    RESHAPE = 22,
    RESIZE_BILINEAR = 23,
    SOFTMAX = 25,
    TANH = 28,
    CUSTOM = 32,
    PAD = 34,
    GATHER = 36,
    TRANSPOSE = 39,
    MEAN = 40,
    SUB = 41,
    DIV = 42,
    SQUEEZE = 43,
    UNIDIRECTIONAL_SEQUENCE_LSTM = 44,
    STRIDED_SLICE = 45,
    BIDIRECTIONAL_SEQUENCE_LSTM = 52,
    CAST = 53,
    SLICE = 65,
    TRANSPOSE_CONV = 67,
    TILE = 69,
    EXPAND_DIMS = 70,
    SHAPE = 77,
    PACK = 83,
    RESIZE_NEAREST_NEIGHBOR = 97,
    LEAKY_RELU = 98,
    ELU = 111,
    QUANTIZE = 114,
    HARD_SWISH = 117,
    WHILE = 119,
    BATCH_MATMUL = 126,
    BROADCAST_TO = 130,
}

/// The schema's name of a builtin operator code, for messages.
pub fn op_name(code: i32) -> String {
    OP_NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| format!("builtin op #{code}"), |(_, n)| (*n).to_owned())
}

/// Tensor element types (the schema's `TensorType`).
pub mod dtype {
    pub const FLOAT32: u8 = 0;
    pub const FLOAT16: u8 = 1;
    pub const INT32: u8 = 2;
    pub const INT64: u8 = 4;
    pub const INT8: u8 = 9;
}

/// The schema's name of a tensor type.
pub fn dtype_name(t: u8) -> &'static str {
    const NAMES: [&str; 17] = [
        "float32",
        "float16",
        "int32",
        "uint8",
        "int64",
        "string",
        "bool",
        "int16",
        "complex64",
        "int8",
        "float64",
        "complex128",
        "uint64",
        "resource",
        "variant",
        "uint32",
        "uint16",
    ];
    NAMES.get(t as usize).copied().unwrap_or("unknown")
}

/// Affine quantization, per tensor or per channel: `real = scale · (q - zero_point)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quant {
    /// One scale, or one per channel along `dim`.
    pub scale: Vec<f32>,
    /// One zero point per scale.
    pub zero_point: Vec<i64>,
    /// The channel axis of per-channel parameters.
    pub dim: usize,
}

/// A tensor: shape, type, constant data (empty for values computed at run time).
#[derive(Debug, Clone)]
pub struct TensorInfo<'a> {
    /// Its name in the file (Keras layer paths).
    pub name: String,
    /// The static shape.
    pub shape: Vec<usize>,
    /// `TensorType`.
    pub dtype: u8,
    /// Constant bytes, little-endian; empty when computed at run time.
    pub data: &'a [u8],
    /// A state tensor (LSTM states).
    pub is_variable: bool,
    /// Quantization parameters (int8 and int32 tensors of a quantized model).
    pub quant: Option<Quant>,
}

/// An operator with its resolved code.
#[derive(Debug, Clone)]
pub struct Operator<'a> {
    /// `BuiltinOperator` (`CUSTOM` for custom ops).
    pub code: i32,
    /// The custom op's name.
    pub custom: Option<String>,
    /// Tensor indices (-1: optional input absent).
    pub inputs: Vec<i32>,
    /// Tensor indices.
    pub outputs: Vec<i32>,
    /// The `builtin_options` table.
    pub options: Option<Table<'a>>,
}

/// Subgraph 0 of a model.
#[derive(Debug)]
pub struct Graph<'a> {
    /// The schema version (3).
    pub version: u32,
    /// Every tensor.
    pub tensors: Vec<TensorInfo<'a>>,
    /// Input tensor indices.
    pub inputs: Vec<i32>,
    /// Output tensor indices.
    pub outputs: Vec<i32>,
    /// In execution order.
    pub operators: Vec<Operator<'a>>,
}

/// Reads subgraph 0 of a `.tflite` file.
pub fn read(buf: &[u8]) -> Result<Graph<'_>, Error> {
    let model = root(buf)?;
    let buffers: Vec<&[u8]> = model
        .tables(4)?
        .iter()
        .map(|b| {
            if b.u64(1, 0)? > 1 {
                return Err(
                    "weights stored outside the flatbuffer (models over 2 GB) are not supported"
                        .to_owned(),
                );
            }
            b.bytes(0)
        })
        .collect::<Result<_, _>>()?;
    let codes: Vec<(i32, Option<String>)> = model
        .tables(1)?
        .iter()
        .map(|c| {
            Ok((i32::from(c.u8(0, 0)? as i8).max(c.i32(3, 0)?), c.string(1)?.map(str::to_owned)))
        })
        .collect::<Result<_, Error>>()?;
    let subgraphs = model.tables(2)?;
    let g = subgraphs.first().ok_or("the model has no subgraph")?;
    let tensors = g
        .tables(0)?
        .iter()
        .map(|t| {
            let buffer = t.u32(2, 0)? as usize;
            let quant = match t.table(4)? {
                Some(q) if !q.f32s(2)?.is_empty() => Some(Quant {
                    scale: q.f32s(2)?,
                    zero_point: q.i64s(3)?,
                    dim: q.i32(6, 0)?.max(0) as usize,
                }),
                _ => None,
            };
            Ok(TensorInfo {
                name: t.string(3)?.unwrap_or("").to_owned(),
                shape: t.i32s(0)?.iter().map(|&d| d.max(0) as usize).collect(),
                dtype: t.u8(1, 0)?,
                data: buffers.get(buffer).copied().unwrap_or(&[]),
                is_variable: t.u8(5, 0)? != 0,
                quant,
            })
        })
        .collect::<Result<_, Error>>()?;
    let operators = g
        .tables(3)?
        .iter()
        .map(|o| {
            let (code, custom) = codes
                .get(o.u32(0, 0)? as usize)
                .cloned()
                .ok_or("operator code index out of range")?;
            Ok(Operator {
                code,
                custom,
                inputs: o.i32s(1)?,
                outputs: o.i32s(2)?,
                options: o.table(4)?,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Graph {
        version: model.u32(0, 0)?,
        tensors,
        inputs: g.i32s(1)?,
        outputs: g.i32s(2)?,
        operators,
    })
}

impl TensorInfo<'_> {
    /// Constant values widened to f64 (float32, float16, int8, int32, int64).
    pub fn values(&self) -> Result<Vec<f64>, String> {
        let d = self.data;
        let v: Vec<f64> = match self.dtype {
            dtype::FLOAT32 => d
                .chunks_exact(4)
                .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
            dtype::FLOAT16 => d
                .chunks_exact(2)
                .map(|b| f64::from(f16_to_f32(u16::from_le_bytes([b[0], b[1]]))))
                .collect(),
            dtype::INT32 => d
                .chunks_exact(4)
                .map(|b| f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
                .collect(),
            dtype::INT64 => d
                .chunks_exact(8)
                .map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as f64)
                .collect(),
            dtype::INT8 => d.iter().map(|&b| f64::from(b as i8)).collect(),
            other => return Err(format!("has type {}", dtype_name(other))),
        };
        let n: usize = self.shape.iter().product();
        if v.len() != n {
            return Err(format!("holds {} values, its shape {:?} needs {n}", v.len(), self.shape));
        }
        Ok(v)
    }
}

/// IEEE binary16 → f32 (exact).
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f32::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f32.powi(-24),
        31 if frac == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        e => (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}
