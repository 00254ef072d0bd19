tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_chain_mismatch.safetensors");

fn main() {}
