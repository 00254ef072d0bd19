tinyae::autoencoder!(pub SensorAe = "fixtures/sensor.safetensors", fma = yes);

fn main() {
    let x = [0.12_f32, 61.0, 101.3];
    let score = SensorAe::anomaly_score(&x);
    println!("{score} {}", SensorAe::FMA);
}
