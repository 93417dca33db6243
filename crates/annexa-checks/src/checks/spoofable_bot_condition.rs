use annexa_model::{Outcome, Platform};

use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds `if:` conditions that trust a bot by the *actor* name — `github.actor ==
    /// 'dependabot[bot]'` or `github.triggering_actor` — in workflows started by pull-request
    /// events.
    ///
    /// ## Why is this bad?
    /// The actor is whoever caused the latest event, not who wrote the pull request. Anyone can
    /// make a bot the actor (for example by asking Dependabot to rebase their branch), and the
    /// condition then grants the bot's trust — auto-merge, privileged steps — to code the bot
    /// never wrote.
    ///
    /// ## Example
    /// ```yaml
    /// on: pull_request_target
    /// jobs:
    ///   automerge:
    ///     if: github.actor == 'dependabot[bot]'
    /// ```
    ///
    /// ## Fix
    /// Check the pull request's author: `github.event.pull_request.user.login ==
    /// 'dependabot[bot]'`, and verify the update with `dependabot/fetch-metadata`.
    pub struct SpoofableBotCondition {
        id: SpoofableBotCondition,
        summary: "bot trusted by actor name",
        severity: Medium,
        confidence: Medium,
        scope: Pipeline,
        platforms: &[Platform::GithubActions],
        controls: [A8_25, A5_15],
    }
}

fn spoofable(cond: &str) -> bool {
    let c: String = cond
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    (c.contains("github.actor==")
        || c.contains("github.triggering_actor==")
        || c.contains("==github.actor")
        || c.contains("==github.triggering_actor"))
        && c.contains("[bot]")
}

impl Check for SpoofableBotCondition {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        if !cx.pipeline.triggers.iter().any(|t| t.event.untrusted()) {
            out.file(
                cx.file,
                Outcome::NotRelevant,
                "no pull-request or other outsider-started trigger",
            );
            return;
        }
        let conditions = cx.pipeline.conditions();
        let mut any = false;
        for (cond, site, what) in conditions.into_iter().filter(|(c, ..)| c.contains("[bot]")) {
            any = true;
            if spoofable(cond) {
                out.at(cx.file, site, Outcome::Fail, format!("{what} trusts a bot by the actor name (`{}`), which anyone can make the bot", cond.trim()));
            } else {
                out.at(
                    cx.file,
                    site,
                    Outcome::Pass,
                    format!(
                        "{what} identifies the bot by something other than the actor (`{}`)",
                        cond.trim()
                    ),
                );
            }
        }
        if !any {
            out.file(cx.file, Outcome::NotRelevant, "no condition on a bot actor");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn conditions() {
        assert!(super::spoofable("${{ github.actor == 'dependabot[bot]' }}"));
        assert!(super::spoofable(
            "github.triggering_actor=='renovate[bot]' && x"
        ));
        assert!(!super::spoofable(
            "github.event.pull_request.user.login == 'dependabot[bot]'"
        ));
    }
}
