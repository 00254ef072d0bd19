//! int8, f16/bf16 and pruned models: every generated function, the int8 `*_q` API included.

use crate::calls::detector;
use crate::opaque;

tinyae::autoencoder!(pub SensorInt8 = "../fixtures/sensor_int8.safetensors", unroll = full);
tinyae::autoencoder!(pub EcgInt8 = "../fixtures/ecg_int8.safetensors");
tinyae::autoencoder!(pub EcgInt8Full = "../fixtures/ecg_int8.safetensors", unroll = full);
tinyae::autoencoder!(pub EcgInt8Sparse = "../fixtures/ecg_int8_sparse.safetensors");
tinyae::autoencoder!(pub EcgInt8Encoder = "../fixtures/ecg_int8.safetensors", parts = encoder);
tinyae::autoencoder!(pub EcgF16 = "../fixtures/ecg_f16.safetensors");
tinyae::autoencoder!(pub EcgBf16 = "../fixtures/ecg_bf16.safetensors");
tinyae::autoencoder!(pub EcgSparse = "../fixtures/ecg_sparse.safetensors");
tinyae::autoencoder!(pub EcgSparseFull = "../fixtures/ecg_sparse.safetensors", unroll = full);
tinyae::autoencoder!(pub MnistInt8 = "../fixtures/mnist_int8.safetensors");
tinyae::autoencoder!(pub MnistF16 = "../fixtures/mnist_f16.safetensors");

/// The int8 API of one model type, by name (inherent functions, not a trait).
macro_rules! int8_api {
    ($m:ident, $n:literal, $l:literal) => {{
        let x = opaque([0.5f32; $n]);
        let mut q = [0i8; $n];
        $m::quantize_input(&x, &mut q);
        let q = opaque(q);
        let mut scratch = $m::new_scratch();
        let (mut y, mut z) = ([0i8; $n], [0i8; $l]);
        $m::reconstruct_q(&q, &mut scratch, &mut y);
        $m::encode_q(&q, &mut scratch, &mut z);
        $m::decode_q(&opaque(z), &mut scratch, &mut y);
        let mut out = [0.0f32; $n];
        $m::dequantize_output(&opaque(y), &mut out);
        opaque(&out);
    }};
}

pub fn all() {
    detector::<SensorInt8, 3, 2>([0.12, 61.0, 101.3]);
    int8_api!(SensorInt8, 3, 2);
    let beat = [0.25f32; 140];
    detector::<EcgInt8, 140, 8>(beat);
    detector::<EcgInt8Full, 140, 8>(beat);
    detector::<EcgInt8Sparse, 140, 8>(beat);
    int8_api!(EcgInt8, 140, 8);
    int8_api!(EcgInt8Sparse, 140, 8);
    let mut scratch = EcgInt8Encoder::new_scratch();
    let mut z = [0.0f32; 8];
    EcgInt8Encoder::encode_into(&opaque(beat), &mut scratch, &mut z);
    opaque(&z);
    detector::<EcgF16, 140, 8>(beat);
    detector::<EcgBf16, 140, 8>(beat);
    detector::<EcgSparse, 140, 8>(beat);
    detector::<EcgSparseFull, 140, 8>(beat);
    detector::<MnistInt8, 784, 32>([12.0; 784]);
    int8_api!(MnistInt8, 784, 32);
    detector::<MnistF16, 784, 32>([12.0; 784]);
}
