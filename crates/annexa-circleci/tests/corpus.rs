//! Every CircleCI file of the shared corpus maps (whole, partly or as a fragment) or is refused
//! with a message; no panic. `cargo test -p annexa-circleci --test corpus -- --nocapture`
//! prints per-file status and totals.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use annexa_model::pipeline::PipelineKind;
use annexa_source::{Limits, YamlFile};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn corpus_maps_or_is_refused_with_a_reason() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/circleci");
    assert!(root.is_dir(), "corpus folder missing: {}", root.display());
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    let (mut understood, mut partly, mut fragment, mut refused) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for path in &all {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        // `<owner>__<repo>/<path inside the repository>`
        let inner = rel.split_once('/').map_or(rel.as_str(), |(_, p)| p);
        if !annexa_circleci::classify_path(inner) {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let file = match YamlFile::parse(Arc::from(text.as_str()), &Limits::default()) {
            Ok(f) => f,
            Err(r) => {
                refused += 1;
                println!("refused (gate)  {rel}: {}", r.message);
                continue;
            }
        };
        match annexa_circleci::map(inner, &file) {
            Ok(m) => {
                let p = &m.pipeline;
                if p.kind != PipelineKind::Fragment && p.jobs.is_empty() {
                    problems.push(format!("{rel}: pipeline with no jobs"));
                }
                let status = if p.kind == PipelineKind::Fragment {
                    fragment += 1;
                    "fragment"
                } else if m.notes.is_empty() {
                    understood += 1;
                    "understood"
                } else {
                    partly += 1;
                    "partly"
                };
                println!("{status:<15} {rel}: {} jobs", p.jobs.len());
                for n in &m.notes {
                    println!("    note: {n}");
                }
            }
            Err(r) => {
                if r.message.trim().is_empty() {
                    problems.push(format!("{rel}: refused without a message"));
                }
                refused += 1;
                println!("refused         {rel}: {}", r.message);
            }
        }
    }
    println!(
        "circleci: {} files: {understood} understood, {partly} partly, {fragment} fragment, {refused} refused",
        understood + partly + fragment + refused
    );
    assert!(
        understood + partly + fragment + refused > 0,
        "no corpus files found"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}
