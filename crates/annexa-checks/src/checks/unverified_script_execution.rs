use annexa_model::Platform;

use super::scripts::line_check;
use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds scripts that download code and run it in one go without checking it: `curl ... |
    /// sh`, `wget -O- ... | bash`, `bash <(curl ...)`, `sh -c "$(curl ...)"`.
    ///
    /// ## Why is this bad?
    /// Whatever the server returns at that moment runs in your build with its secrets. The
    /// script is not pinned, not reviewed and not verified; a compromised host or CDN (the
    /// 2021 Codecov uploader compromise) becomes code execution in every pipeline that pipes
    /// it into a shell.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   - run: curl -sSfL https://example.com/install.sh | sh
    /// ```
    ///
    /// ## Fix
    /// Download to a file, verify a pinned checksum or signature, then run it — or use a
    /// package manager or a pinned action.
    /// ```yaml
    ///   - run: |
    ///       curl -sSfLo install.sh https://example.com/install.sh
    ///       echo "<sha256>  install.sh" | sha256sum -c -
    ///       sh install.sh
    /// ```
    pub struct UnverifiedScriptExecution {
        id: UnverifiedScriptExecution,
        summary: "downloaded script piped into a shell",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A5_21, A8_7],
    }
}

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "python", "python3", "perl", "ruby", "node", "pwsh", "iex",
    "sudo",
];

/// The offending fragment of one script line, if it pipes a download into an interpreter.
pub(crate) fn piped_download(line: &str) -> Option<&str> {
    let l = line.trim();
    let fetches = |s: &str| {
        s.split_whitespace().any(|w| {
            matches!(w, "curl" | "wget" | "iwr" | "invoke-webrequest")
                || w.ends_with("/curl")
                || w.ends_with("/wget")
        })
    };
    // `bash <(curl ...)` and `sh -c "$(curl ...)"`
    for marker in ["<(curl", "<(wget", "$(curl", "$(wget", "`curl", "`wget"] {
        if let Some(i) = l.find(marker) {
            let before = &l[..i];
            if before.split_whitespace().any(|w| SHELLS.contains(&w)) {
                return Some(l);
            }
        }
    }
    let parts: Vec<&str> = l.split('|').collect();
    if parts.len() < 2 {
        return None;
    }
    let mut fetched = false;
    for (n, part) in parts.iter().enumerate() {
        if part.is_empty() {
            // `||`: a new command begins.
            fetched = false;
            continue;
        }
        if n > 0 && fetched {
            // The command the download is piped into, looking through `sudo` / `env`.
            let mut words = part.split_whitespace().map(|w| w.to_ascii_lowercase());
            let mut first = words.next().unwrap_or_default();
            while matches!(first.rsplit('/').next(), Some("sudo" | "env")) {
                first = words.next().unwrap_or_default();
                while first.starts_with('-') {
                    first = words.next().unwrap_or_default();
                }
            }
            let first = first.rsplit('/').next().unwrap_or_default();
            let inline_code = words.next().is_some_and(|w| w == "-c" || w == "-e");
            if SHELLS.contains(&first) && first != "sudo" && !inline_code {
                return Some(l);
            }
        }
        if fetches(&part.to_ascii_lowercase()) {
            fetched = true;
        }
    }
    None
}

fn detect(line: &str) -> Option<(String, String)> {
    piped_download(line).map(|f| {
        (
            f.to_owned(),
            "runs a downloaded script without verifying it".to_owned(),
        )
    })
}

impl Check for UnverifiedScriptExecution {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        line_check(
            cx,
            out,
            detect,
            "no script pipes a download into an interpreter",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::piped_download;

    #[test]
    fn patterns() {
        assert!(piped_download("curl -sSL https://x/install.sh | sh").is_some());
        assert!(piped_download("curl -fsSL https://x | sudo bash -s -- -y").is_some());
        assert!(piped_download("wget -qO- https://x | /bin/bash").is_some());
        assert!(piped_download("bash <(curl -s https://codecov.io/bash)").is_some());
        assert!(piped_download("sh -c \"$(curl -fsSL https://x)\"").is_some());
        assert!(piped_download("curl -s https://api | jq .tag").is_none());
        assert!(piped_download("cat x | sh").is_none());
        assert!(
            piped_download("curl -fsSL https://x/key.gpg | sudo tee /etc/apt/keyrings/x.gpg")
                .is_none()
        );
        assert!(piped_download("curl -s https://api | python3 -c 'import json'").is_none());
        assert!(piped_download("curl -o f https://x || sh fallback.sh").is_none());
    }
}
