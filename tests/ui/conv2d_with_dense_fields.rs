tinyae::autoencoder!(pub SensorAe = "fixtures/bad/conv2d_with_dense_fields.safetensors");

fn main() {
    let x = [0.12_f32, 61.0, 101.3];
    let z = SensorAe::encode(&x);
    let y = SensorAe::decode(&z);
    println!("{} {}", z[0], y[0] + SensorAe::anomaly_score(&x));
}
