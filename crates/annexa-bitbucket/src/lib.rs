//! Bitbucket Pipelines input. (Being written: the mapping below refuses every file for now.)

use annexa_model::DiagnosticKind;
use annexa_model::pipeline::Mapped;
use annexa_source::{Refusal, YamlFile};

/// Whether a repository-relative path is a Bitbucket Pipelines file by its name.
pub fn classify_path(path: &str) -> bool {
    path == "bitbucket-pipelines.yml" || path.ends_with("/bitbucket-pipelines.yml")
}

/// Map a file into the model.
pub fn map(_path: &str, _file: &YamlFile) -> Result<Mapped, Refusal> {
    Err(Refusal {
        kind: DiagnosticKind::NotUnderstood,
        message: "Bitbucket Pipelines mapping not available in this build".into(),
    })
}
