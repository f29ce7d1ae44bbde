//! Progress on stderr for long work, only when stderr is a terminal
//! (indicatif hides its bars otherwise): a spinner while the image is
//! resolved, then a bar of the layer bytes read (layers from the cache
//! count as read), with the layers done.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use plimsoll_image::{Progress, ProgressSink};

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

    /// Turns the spinner into a layer bar when the analysis starts; the
    /// sink goes into `AnalyzeOptions::progress`.
    pub fn layer_sink(&self, target: &str) -> ProgressSink {
        let pb = self.0.clone();
        let target = target.to_owned();
        let layers = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let by_bytes = Arc::new(AtomicBool::new(false));
        ProgressSink::new(move |p| match p {
            Progress::Start { layers: n, bytes } => {
                layers.store(n, Ordering::Relaxed);
                let template = if bytes > 0 {
                    by_bytes.store(true, Ordering::Relaxed);
                    pb.set_length(bytes);
                    "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({elapsed}, {eta} left)"
                } else {
                    pb.set_length(n as u64);
                    "{spinner} {msg} [{bar:30}] ({elapsed})"
                };
                if let Ok(style) = ProgressStyle::with_template(template) {
                    pb.set_style(style.progress_chars("=> "));
                }
                pb.set_message(format!("{target}: 0/{n} layers"));
            }
            Progress::Read { bytes, .. } => {
                if by_bytes.load(Ordering::Relaxed) {
                    pb.inc(bytes);
                }
            }
            Progress::LayerDone { unread, .. } => {
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                pb.inc(if by_bytes.load(Ordering::Relaxed) {
                    unread
                } else {
                    1
                });
                pb.set_message(format!(
                    "{target}: {d}/{} layers",
                    layers.load(Ordering::Relaxed)
                ));
            }
        })
    }

    /// Stop and erase the spinner.
    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}
