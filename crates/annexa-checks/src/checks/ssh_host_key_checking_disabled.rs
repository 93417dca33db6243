use annexa_model::Platform;

use super::scripts::line_check;
use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds scripts that switch SSH host key checking off (`StrictHostKeyChecking=no`,
    /// `UserKnownHostsFile=/dev/null`) or trust whatever `ssh-keyscan` returns at run time.
    ///
    /// ## Why is this bad?
    /// Host key checking is what stops a man in the middle from posing as the deployment
    /// target or the git server. Turned off, the pipeline sends its deploy key and its
    /// artefacts to whoever answers.
    ///
    /// ## Example
    /// ```yaml
    ///       - run: scp -o StrictHostKeyChecking=no app.tar deploy@prod:/srv
    /// ```
    ///
    /// ## Fix
    /// Store the server's host key (fingerprint checked once, out of band) in a variable and
    /// write it to `~/.ssh/known_hosts`.
    pub struct SshHostKeyCheckingDisabled {
        id: SshHostKeyCheckingDisabled,
        summary: "SSH host key checking switched off",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A8_20, A8_24],
    }
}

fn detect(line: &str) -> Option<(String, String)> {
    let compact: String = line
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if compact.contains("stricthostkeychecking=no")
        || compact.contains("stricthostkeychecking=accept-new")
    {
        return Some((
            line.trim().to_owned(),
            "switches SSH host key checking off".to_owned(),
        ));
    }
    if compact.contains("userknownhostsfile=/dev/null") {
        return Some((
            line.trim().to_owned(),
            "discards SSH host keys (`UserKnownHostsFile=/dev/null`)".to_owned(),
        ));
    }
    if compact.contains("ssh-keyscan") && compact.contains("known_hosts") {
        return Some((
            line.trim().to_owned(),
            "trusts whatever host key `ssh-keyscan` receives at run time".to_owned(),
        ));
    }
    None
}

impl Check for SshHostKeyCheckingDisabled {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        line_check(
            cx,
            out,
            detect,
            "no script switches SSH host key checking off",
        );
    }
}
