tinyae::autoencoder!(pub SensorAe = "fixtures/bad/integrity_mismatch.safetensors");

include!("api/into.rs");
