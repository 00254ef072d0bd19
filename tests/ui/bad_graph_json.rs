tinyae::autoencoder!(pub SensorAe = "fixtures/bad/bad_graph_json.safetensors");

fn main() {}
