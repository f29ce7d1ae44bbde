//! Progress on stderr for long work, only when stderr is a terminal
//! (indicatif hides its bars otherwise): a spinner with the elapsed time,
//! as the layer walk reports no finer steps yet.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Spinner(ProgressBar);

impl Spinner {
    /// Start a spinner with `message` on stderr.
    pub fn start(message: &str) -> Spinner {
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
            pb.set_style(style);
        }
        pb.set_message(message.to_string());
        pb.enable_steady_tick(Duration::from_millis(100));
        Spinner(pb)
    }

    /// Stop and erase the spinner.
    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}
