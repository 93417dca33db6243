//! Jenkinsfile input. (Being written: the mapping below refuses every file for now.)

use annexa_model::DiagnosticKind;
use annexa_model::pipeline::Mapped;
use annexa_source::Refusal;

/// Whether a repository-relative path is a Jenkinsfile by its name.
pub fn classify_path(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file == "Jenkinsfile"
        || file.starts_with("Jenkinsfile.")
        || file.starts_with("Jenkinsfile-")
        || file.ends_with(".jenkinsfile")
}

/// Map a Jenkinsfile into the model.
pub fn map(_path: &str, _text: &str) -> Result<Mapped, Refusal> {
    Err(Refusal {
        kind: DiagnosticKind::NotUnderstood,
        message: "Jenkinsfile mapping not available in this build".into(),
    })
}
