// A UI case's `SensorAe`, used through the type as an `AnomalyDetector` trait bound: the macro's
// stand-in type must serve this use without a second error. Included by several `tests/ui/*.rs`.

fn alarm<M: tinyae::AnomalyDetector<3, 2>>(x: &[f32; 3]) -> bool {
    M::is_anomaly(x)
}

fn main() {
    println!("{}", alarm::<SensorAe>(&[0.12, 61.0, 101.3]));
}
