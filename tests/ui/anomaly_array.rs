tinyae::autoencoder!(pub SensorAe = "fixtures/bad/anomaly_array.safetensors");

fn main() {}
