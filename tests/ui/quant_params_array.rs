tinyae::autoencoder!(pub SensorAe = "fixtures/bad/quant_params_array.safetensors");

fn main() {}
