use annexa_model::Platform;

use super::scripts::{line_check, words};
use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds scripts that get round the review process: `gh pr merge --admin` (merges past
    /// branch protection), and `git push --force` / `-f` / `+ref` (rewrites published history).
    ///
    /// ## Why is this bad?
    /// Branch protection and required reviews are the change-management control. A pipeline
    /// with a token strong enough to bypass them turns every change to that pipeline — or
    /// every compromise of it — into an unreviewed change to protected branches, with no
    /// approval on record.
    ///
    /// ## Example
    /// ```yaml
    ///       - run: gh pr merge "$PR" --admin --squash
    /// ```
    ///
    /// ## Fix
    /// Merge through the normal review path (`gh pr merge --auto` waits for the required
    /// approvals and checks); never force-push to shared branches from CI.
    pub struct ProtectionBypassInPipeline {
        id: ProtectionBypassInPipeline,
        summary: "pipeline bypasses review or rewrites history",
        severity: High,
        confidence: Medium,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A8_32, A5_3],
    }
}

fn detect(line: &str) -> Option<(String, String)> {
    // Judge each command of the line on its own (`a && b; c || d`).
    line.split(['&', ';', '|']).find_map(|cmd| {
        let w = words(cmd);
        let pos = |s: &str| w.iter().position(|x| *x == s);
        if let Some(g) = pos("gh")
            && w.get(g + 1) == Some(&"pr")
            && w.get(g + 2) == Some(&"merge")
            && w.contains(&"--admin")
        {
            return Some((
                line.trim().to_owned(),
                "merges with `--admin`, past branch protection".to_owned(),
            ));
        }
        let g = pos("git")?;
        if w.get(g + 1) != Some(&"push") {
            return None;
        }
        let forced = w[g + 2..].iter().any(|x| {
            matches!(*x, "--force" | "-f" | "--force-with-lease")
                || x.starts_with("--force-with-lease=")
                || (x.starts_with('+') && x.len() > 1)
        });
        forced.then(|| {
            (
                line.trim().to_owned(),
                "force-pushes, rewriting published history".to_owned(),
            )
        })
    })
}

impl Check for ProtectionBypassInPipeline {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        line_check(cx, out, detect, "no script bypasses review or force-pushes");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detects() {
        assert!(super::detect("gh pr merge 12 --admin --squash").is_some());
        assert!(super::detect("gh pr merge --auto --squash").is_none());
        assert!(super::detect("git push --force origin main").is_some());
        assert!(super::detect("git push origin +HEAD:gh-pages").is_some());
        assert!(super::detect("git push origin main").is_none());
        assert!(super::detect("git push origin main && rm -f x").is_none());
        assert!(super::detect("git fetch && git push -f origin main").is_some());
    }
}
