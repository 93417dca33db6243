//! Which files of a repository annexa reads.

use annexa_github::{GithubFileKind, classify_path};
use annexa_repofiles::RepoFileKind;

/// A file annexa knows how to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    GithubWorkflow,
    GithubAction,
    GitlabCi,
    AzurePipelines,
    CircleCi,
    Bitbucket,
    Jenkins,
    Codeowners,
    Dockerfile,
    Dependabot,
    Renovate,
    SecurityPolicy,
}

impl FileKind {
    /// Whether files of this kind are pipelines.
    pub fn is_pipeline(self) -> bool {
        matches!(
            self,
            FileKind::GithubWorkflow
                | FileKind::GithubAction
                | FileKind::GitlabCi
                | FileKind::AzurePipelines
                | FileKind::CircleCi
                | FileKind::Bitbucket
                | FileKind::Jenkins
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::GithubWorkflow => "github-workflow",
            FileKind::GithubAction => "github-action",
            FileKind::GitlabCi => "gitlab-ci",
            FileKind::AzurePipelines => "azure-pipelines",
            FileKind::CircleCi => "circleci",
            FileKind::Bitbucket => "bitbucket-pipelines",
            FileKind::Jenkins => "jenkinsfile",
            FileKind::Codeowners => "codeowners",
            FileKind::Dockerfile => "dockerfile",
            FileKind::Dependabot => "dependabot",
            FileKind::Renovate => "renovate",
            FileKind::SecurityPolicy => "security-policy",
        }
    }
}

/// Classify a repository-relative, `/`-separated path.
pub fn classify(path: &str) -> Option<FileKind> {
    if matches!(
        path,
        "CODEOWNERS" | ".github/CODEOWNERS" | "docs/CODEOWNERS" | ".gitlab/CODEOWNERS"
    ) {
        return Some(FileKind::Codeowners);
    }
    if let Some(k) = classify_path(path) {
        return Some(match k {
            GithubFileKind::Workflow => FileKind::GithubWorkflow,
            GithubFileKind::Action => FileKind::GithubAction,
        });
    }
    if annexa_gitlab::classify_path(path) {
        return Some(FileKind::GitlabCi);
    }
    if annexa_azure::classify_path(path) {
        return Some(FileKind::AzurePipelines);
    }
    if annexa_circleci::classify_path(path) {
        return Some(FileKind::CircleCi);
    }
    if annexa_bitbucket::classify_path(path) {
        return Some(FileKind::Bitbucket);
    }
    if annexa_jenkins::classify_path(path) {
        return Some(FileKind::Jenkins);
    }
    Some(match annexa_repofiles::classify(path)? {
        RepoFileKind::Dockerfile => FileKind::Dockerfile,
        RepoFileKind::Dependabot => FileKind::Dependabot,
        RepoFileKind::Renovate => FileKind::Renovate,
        RepoFileKind::SecurityPolicy => FileKind::SecurityPolicy,
    })
}
