tinyae::autoencoder!(pub SensorAe = "fixtures/bad/zero_range.safetensors");

include!("api/trait_bound.rs");
