//! The progress bar on stderr: repositories done of the planned ones, the request count and the
//! resource being fetched. Hidden when stderr is not a terminal (CI logs, pipes) or when quiet;
//! log lines (waits) are printed above it so they are not overwritten.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub(crate) struct Progress {
    bar: ProgressBar,
    quiet: bool,
}

impl Progress {
    pub(crate) fn new(quiet: bool) -> Progress {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(Some(1), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        };
        Progress { bar, quiet }
    }

    /// The number of units (the organisation itself plus its repositories) to go through.
    pub(crate) fn set_length(&self, n: u64) {
        self.bar.set_length(n);
    }

    pub(crate) fn step(&self) {
        self.bar.inc(1);
    }

    pub(crate) fn working_on(&self, requests: u64, what: &str) {
        if !self.bar.is_hidden() {
            self.bar
                .set_message(format!("{requests} requests · {what}"));
        }
    }

    /// A line on stderr (not when quiet), above the bar.
    pub(crate) fn log(&self, line: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("{line}"));
        }
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
