tinyae::autoencoder!(pub SensorAe = fixtures/sensor.safetensors);

fn main() {
    let x = [0.12_f32, 61.0, 101.3];
    let z: [f32; 2] = SensorAe::encode(&x);
    if SensorAe::is_anomaly(&x) {
        println!("anomaly at {z:?}");
    }
}
