//! annexa's one integration-test binary.

mod action;
mod cli;
mod collect;
mod corpus;
mod docs;
mod dogfood;
mod fixtures;
mod formats;
mod gitlab;
mod gitlab_template;
mod hostile;
mod html;
mod init;
mod isms;
mod ledger;
mod ledger_pack;
mod ledger_pg;
mod oscal;
mod platform;
mod policy;
mod soa;
mod systems;

use std::path::{Path, PathBuf};

use annexa_assess::{Assessment, assess};
use annexa_engine::{ScanOptions, ScanResult, scan};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// `../shared/corpus` beside the repository (never copied into it).
pub fn corpus() -> PathBuf {
    root().join("../shared/corpus")
}

pub fn scan_paths(paths: &[PathBuf]) -> (ScanResult, Assessment) {
    let result = scan(paths, &ScanOptions::default()).expect("scan");
    let assessment = assess(&result.checks, &result.observations);
    (result, assessment)
}

/// The built `annexa` binary.
pub fn annexa() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("annexa").expect("annexa binary");
    cmd.env_remove("NO_COLOR");
    cmd
}
