//! The reconstruction losses against their formulas, BCE training, and the data pipeline's
//! split choices (validation fraction or file, label filter, scaling on the training rows).

mod common;

use common::{arch, settings, waves, TempDir};
use dfdx::prelude::*;
use tinyae_core::ir::{ModelKind, Preprocessing};
use tinyae_core::Activation;
use tinyae_trainer::config::Config;
use tinyae_trainer::net::Net;
use tinyae_trainer::objective::{Kind, Loss, Objective};
use tinyae_trainer::pipeline::prepare;
use tinyae_trainer::train::{fit, Silent, State};

fn objective(loss: Loss) -> Objective {
    Objective { kind: Kind::Vanilla, loss, range: (0.0, 1.0) }
}

#[test]
fn losses_match_their_formulas() {
    let data = waves(40, 10, 1);
    let net = Net::new(&arch(ModelKind::Autoencoder, 10, 6, 3, Activation::Tanh), 2);
    let x = net.batch(data.x.clone(), data.len());
    let logits = net.run(0..net.layers.len(), x.clone(), true).as_vec();
    let n = data.x.len() as f64;
    let sigmoid = |z: f32| 1.0 / (1.0 + (-f64::from(z)).exp());
    let mse: f64 =
        logits.iter().zip(&data.x).map(|(&z, &t)| (sigmoid(z) - f64::from(t)).powi(2)).sum::<f64>()
            / n;
    let mae: f64 =
        logits.iter().zip(&data.x).map(|(&z, &t)| (sigmoid(z) - f64::from(t)).abs()).sum::<f64>()
            / n;
    let bce: f64 = logits
        .iter()
        .zip(&data.x)
        .map(|(&z, &t)| {
            let (p, t) = (sigmoid(z), f64::from(t));
            -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
        })
        .sum::<f64>()
        / n;
    for (loss, expected) in [(Loss::Mse, mse), (Loss::Mae, mae), (Loss::Bce, bce)] {
        let got = f64::from(objective(loss).evaluate(&net, x.clone(), &x, None).array());
        assert!((got - expected).abs() < 1e-5 * expected.max(1.0), "{loss:?}: {got} vs {expected}");
    }
}

#[test]
fn bce_training_lowers_the_loss() {
    let data = waves(128, 10, 1);
    let a = arch(ModelKind::Autoencoder, 10, 6, 3, Activation::Tanh);
    let s = tinyae_trainer::train::Settings {
        objective: objective(Loss::Bce),
        ..settings(Kind::Vanilla, 15, 0.01)
    };
    let mut net = Net::new(&a, 2);
    let mut state = State::new(&net, s.optimizer);
    fit(&mut net, &data, None, &s, &mut state, &mut Silent).unwrap();
    let (first, last) = (state.history[0].train_loss, state.history.last().unwrap().train_loss);
    assert!(last < first * 0.95, "BCE {first} → {last}");
}

#[test]
fn validation_file_label_filter_and_scaling_on_training_rows() {
    let dir = TempDir::new("split");
    std::fs::write(dir.path("train.csv"), "a,b,label\n0,10,ok\n2,30,ok\n4,20,ok\n100,100,bad\n")
        .unwrap();
    std::fs::write(dir.path("val.csv"), "a,b,label\n1,15,ok\n50,50,bad\n3,25,ok\n").unwrap();
    let config = r#"
        name = "split"
        output = "m.safetensors"
        [data]
        format = "csv"
        train = "train.csv"
        validation_file = "val.csv"
        label_column = "label"
        normal_labels = ["ok"]
        [model]
        encoder = [1]
        [train]
        optimizer = "sgd"
        learning_rate = 0.1
        batch_size = 2
        epochs = 1
    "#;
    std::fs::write(dir.path("c.toml"), config).unwrap();
    let p = prepare(&Config::load(&dir.path("c.toml")).unwrap()).unwrap();
    assert_eq!(p.train_raw.x, vec![0.0, 10.0, 2.0, 30.0, 4.0, 20.0], "the `bad` row is dropped");
    assert_eq!(p.val_raw.as_ref().unwrap().x, vec![1.0, 15.0, 3.0, 25.0]);
    assert_eq!(
        p.preprocessing,
        Preprocessing::MinMax { min: vec![0.0, 10.0], max: vec![4.0, 30.0] }
    );
    assert_eq!(
        p.val.as_ref().unwrap().x,
        vec![0.25, 0.25, 0.75, 0.75],
        "validation scaled with the training fit"
    );

    // A validation fraction instead: the two parts partition the normal rows.
    let config = config.replace("validation_file = \"val.csv\"", "validation = 0.34");
    std::fs::write(dir.path("c.toml"), config).unwrap();
    let p = prepare(&Config::load(&dir.path("c.toml")).unwrap()).unwrap();
    assert_eq!((p.train_raw.len(), p.val_raw.as_ref().unwrap().len()), (2, 1));
    let mut all: Vec<f32> = p.train_raw.x.iter().chain(&p.val_raw.unwrap().x).copied().collect();
    all.sort_by(f32::total_cmp);
    assert_eq!(all, vec![0.0, 2.0, 4.0, 10.0, 20.0, 30.0]);
}
