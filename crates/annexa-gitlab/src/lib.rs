//! GitLab CI input. (Being written: the mapping below refuses every file for now.)

use annexa_model::DiagnosticKind;
use annexa_model::pipeline::Mapped;
use annexa_source::{LocalFiles, Refusal, YamlFile};

/// Whether a repository-relative path is a GitLab CI file by its name.
pub fn classify_path(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    (file.starts_with("azure-pipelines") || path.starts_with(".azure-pipelines/"))
        && (file.ends_with(".yml") || file.ends_with(".yaml"))
}

/// Repository files this one reaches through local `include:`.
pub fn references(_path: &str, _file: &YamlFile) -> Vec<String> {
    Vec::new()
}

/// Map a pipeline (or a template found alone) into the model.
pub fn map(_path: &str, _file: &YamlFile, _files: &dyn LocalFiles) -> Result<Mapped, Refusal> {
    Err(Refusal {
        kind: DiagnosticKind::NotUnderstood,
        message: "GitLab CI mapping not available in this build".into(),
    })
}
