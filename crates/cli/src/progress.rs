//! A progress bar on stderr while collecting, only when stderr is a terminal
//! (logs and pipes get nothing).

use std::sync::Arc;
use std::time::Duration;

use eksposture_collect::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Bar(ProgressBar);

impl Bar {
    /// A spinner on stderr until the collector knows how many steps there
    /// are, or `None` when stderr is not a terminal.
    pub fn on_terminal() -> Option<Arc<Bar>> {
        if !eksposture_audit::output::stderr_is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
            bar.set_style(style);
        }
        bar.set_message("identifying the account");
        bar.enable_steady_tick(Duration::from_millis(120));
        Some(Arc::new(Bar(bar)))
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn set_total(&self, total: u64) {
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} collecting [{bar:30}] {pos}/{len} {wide_msg}")
        {
            self.0.set_style(style.progress_chars("=> "));
        }
        self.0.set_length(total);
        self.0.set_message("");
    }

    fn step(&self, label: &str) {
        self.0.inc(1);
        self.0.set_message(format!("{label} done"));
    }
}
