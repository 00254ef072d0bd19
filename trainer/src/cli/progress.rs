//! Progress bars (indicatif) and Ctrl-C handling for `tinyae train`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::net::Net;
use crate::train::{Monitor, State};

/// Shows an epoch bar and a batch bar; prints one line per epoch; stops on Ctrl-C.
#[derive(Debug)]
pub struct Bars {
    multi: MultiProgress,
    epochs: ProgressBar,
    batches: ProgressBar,
    stop: Arc<AtomicBool>,
    quiet: bool,
    name: String,
}

impl Bars {
    /// Bars for a run of `epochs` epochs (starting after `done`) of `batches` batches each.
    /// The first Ctrl-C asks training to stop after the current batch; a second one exits.
    pub fn new(
        name: &str,
        epochs: usize,
        done: usize,
        batches: usize,
        quiet: bool,
    ) -> Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let presses = Arc::new(AtomicUsize::new(0));
        let flag = stop.clone();
        ctrlc::set_handler(move || {
            flag.store(true, Ordering::SeqCst);
            if presses.fetch_add(1, Ordering::SeqCst) >= 1 {
                eprintln!("\nsecond Ctrl-C: exiting without saving");
                std::process::exit(130);
            }
        })?;
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr_with_hz(8)
        };
        let multi = MultiProgress::with_draw_target(target);
        let epoch_style = ProgressStyle::with_template(
            "{prefix:>10} epoch {pos}/{len} [{bar:30.cyan/blue}] {msg} (ETA {eta})",
        )?
        .progress_chars("=> ");
        let batch_style = ProgressStyle::with_template(
            "{prefix:>10} batch {pos}/{len} [{bar:30}] {msg} ({elapsed} in this epoch)",
        )?
        .progress_chars("=> ");
        let epochs_bar = multi.add(ProgressBar::new(epochs as u64));
        epochs_bar.set_style(epoch_style);
        epochs_bar.set_prefix(name.to_owned());
        epochs_bar.set_position(done as u64);
        let batches_bar = multi.add(ProgressBar::new(batches as u64));
        batches_bar.set_style(batch_style);
        batches_bar.set_prefix(String::new());
        epochs_bar.enable_steady_tick(Duration::from_millis(250));
        Ok(Bars {
            multi,
            epochs: epochs_bar,
            batches: batches_bar,
            stop,
            quiet,
            name: name.to_owned(),
        })
    }

    /// Removes the bars.
    pub fn finish(&self) {
        self.batches.finish_and_clear();
        self.epochs.finish_and_clear();
    }

    /// Prints a line above the bars (or plainly when they are hidden).
    pub fn println(&self, line: &str) {
        if self.multi.is_hidden() {
            if !self.quiet {
                eprintln!("{line}");
            }
        } else {
            let _ = self.multi.println(line);
        }
    }

    /// Whether Ctrl-C was pressed.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

impl Monitor for Bars {
    fn batch(&mut self, _epoch: usize, batch: usize, batches: usize, loss: f32) {
        if batch == 1 {
            self.batches.reset();
            self.batches.set_length(batches as u64);
        }
        self.batches.set_position(batch as u64);
        self.batches.set_message(format!("loss {loss:.5}"));
    }

    fn epoch_end(&mut self, _net: &Net, state: &State) -> Result<()> {
        let Some(r) = state.history.last() else { return Ok(()) };
        let val = r.val_loss.map_or(String::new(), |v| format!("  val {v:.6}"));
        let best = match &state.best {
            Some(b) if b.epoch == r.epoch => "  *",
            _ => "",
        };
        self.epochs.set_position(r.epoch as u64);
        self.epochs.set_message(format!("loss {:.6}{val}", r.train_loss));
        self.println(&format!(
            "{} epoch {:>4}  loss {:.6}{val}  {:.2}s{best}",
            self.name, r.epoch, r.train_loss, r.seconds
        ));
        Ok(())
    }

    fn interrupted(&self) -> bool {
        self.stopped()
    }
}
