//! CircleCI input. (Being written: the mapping below refuses every file for now.)

use annexa_model::DiagnosticKind;
use annexa_model::pipeline::Mapped;
use annexa_source::{Refusal, YamlFile};

/// Whether a repository-relative path is a CircleCI file by its name.
pub fn classify_path(path: &str) -> bool {
    path.starts_with(".circleci/") && (path.ends_with(".yml") || path.ends_with(".yaml"))
}

/// Map a file into the model.
pub fn map(_path: &str, _file: &YamlFile) -> Result<Mapped, Refusal> {
    Err(Refusal {
        kind: DiagnosticKind::NotUnderstood,
        message: "CircleCI mapping not available in this build".into(),
    })
}
