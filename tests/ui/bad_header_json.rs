tinyae::autoencoder!(pub SensorAe = "fixtures/bad/bad_header_json.safetensors");

fn main() {}
