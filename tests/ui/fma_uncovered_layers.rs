tinyae::autoencoder!(pub EcgAe = "fixtures/ecg_f16.safetensors", fma = true);

fn main() {
    let x = [0.0_f32; EcgAe::INPUT_LEN];
    let z = EcgAe::encode(&x);
    println!("{z:?}");
}
