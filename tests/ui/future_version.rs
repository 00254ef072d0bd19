tinyae::autoencoder!(pub SensorAe = "fixtures/bad/future_version.safetensors");

fn alarm<M: tinyae::AnomalyDetector<3, 2>>(x: &[f32; 3]) -> bool {
    M::is_anomaly(x)
}

fn main() {
    println!("{}", alarm::<SensorAe>(&[0.12, 61.0, 101.3]));
}
