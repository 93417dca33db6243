//! The starter CI/CD risk register: risks every software-delivery estate should assess, each
//! with an indicative inherent likelihood and impact (1–5) and the Annex A controls that treat
//! it. An organisation adopts each one in `[[risk]]` (with its own owner, scores and treatment)
//! or records why it does not apply; `annexa risks` shows which are neither.

/// One starter risk.
#[derive(Debug, Clone, Copy)]
pub struct StarterRisk {
    pub id: &'static str,
    pub title: &'static str,
    pub likelihood: u8,
    pub impact: u8,
    /// Annex A controls that treat it.
    pub controls: &'static [&'static str],
}

macro_rules! risks {
    ($($id:literal, $title:literal, $l:literal, $i:literal, [$($c:literal),*];)*) => {
        /// The starter register, in id order.
        pub const STARTER: &[StarterRisk] = &[$(StarterRisk {
            id: $id, title: $title, likelihood: $l, impact: $i, controls: &[$($c),*],
        },)*];
    };
}

risks! {
    "R01", "A third-party action, orb or plugin is taken over", 4, 5, ["A.5.21", "A.5.22", "A.5.19", "A.8.8", "A.8.7"];
    "R02", "A malicious or vulnerable open-source dependency is built in", 4, 4, ["A.5.21", "A.8.8", "A.8.7", "A.5.7"];
    "R03", "A pull request makes the pipeline run attacker commands", 3, 5, ["A.8.4", "A.8.31", "A.8.32", "A.8.30", "A.8.28"];
    "R04", "Credentials are committed to a repository", 4, 4, ["A.5.17", "A.8.12", "A.8.4"];
    "R05", "Secrets leak through job logs or artifacts", 3, 4, ["A.8.11", "A.8.12", "A.5.17", "A.8.15"];
    "R06", "Pipeline tokens and roles hold more than they need", 4, 4, ["A.8.2", "A.8.3", "A.5.15", "A.5.18"];
    "R07", "Long-lived static cloud keys are stored in CI", 4, 4, ["A.5.17", "A.8.5", "A.8.24"];
    "R08", "A self-hosted runner is compromised and kept", 3, 5, ["A.8.22", "A.8.20", "A.8.9", "A.8.18", "A.8.31"];
    "R09", "The default branch accepts unreviewed pushes", 4, 4, ["A.8.32", "A.8.4", "A.5.3"];
    "R10", "Changes merge without an independent review", 4, 4, ["A.5.3", "A.8.32", "A.8.28"];
    "R11", "Production is deployed without approval", 3, 5, ["A.8.19", "A.8.32", "A.8.31", "A.5.3"];
    "R12", "Test and production environments bleed into each other", 3, 4, ["A.8.31", "A.8.33", "A.8.22", "A.8.3"];
    "R13", "Artifacts are tampered with between build and deployment", 3, 5, ["A.8.24", "A.8.19", "A.5.21", "A.8.9"];
    "R14", "Delivery events are not logged, or not kept", 3, 3, ["A.8.15", "A.8.16", "A.5.28"];
    "R15", "Unused accounts, keys and tokens keep their access", 4, 3, ["A.5.18", "A.5.16", "A.6.5", "A.5.17"];
    "R16", "Sign-in to the source platform is weak", 3, 4, ["A.8.5", "A.5.17", "A.5.16"];
    "R17", "Too many people hold platform administration", 3, 4, ["A.8.2", "A.5.15", "A.5.18"];
    "R18", "Third-party apps and integrations go ungoverned", 3, 4, ["A.5.19", "A.5.22", "A.5.23", "A.5.18", "A.5.9"];
    "R19", "CI/CD infrastructure is vulnerable or misconfigured", 3, 4, ["A.8.8", "A.8.9", "A.8.20", "A.8.21"];
    "R20", "Security tests are missing or do not block", 4, 3, ["A.8.25", "A.8.28", "A.8.29", "A.8.8"];
    "R21", "No inventory of what goes into a build (SBOM, provenance)", 4, 3, ["A.5.9", "A.8.8", "A.5.21"];
    "R22", "Source code is exposed or exfiltrated", 3, 4, ["A.8.4", "A.8.3", "A.8.12", "A.5.12"];
    "R23", "Repositories or pipeline configuration are lost", 2, 4, ["A.8.13", "A.5.30", "A.8.14"];
    "R24", "A build cache is poisoned across trust levels", 2, 5, ["A.8.31", "A.8.22", "A.5.21", "A.8.24"];
}

/// The starter risk with this id.
pub fn starter(id: &str) -> Option<&'static StarterRisk> {
    STARTER.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_risks_name_real_controls_and_valid_scores() {
        assert_eq!(STARTER.len(), 24);
        for r in STARTER {
            assert!(
                (1..=5).contains(&r.likelihood) && (1..=5).contains(&r.impact),
                "{}",
                r.id
            );
            for c in r.controls {
                assert!(annexa_model::ControlId::parse(c).is_some(), "{}: {c}", r.id);
            }
        }
    }
}
