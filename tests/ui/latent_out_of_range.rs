tinyae::autoencoder!(pub SensorAe = "fixtures/bad/latent_out_of_range.safetensors");

include!("api/into.rs");
