//! Every Jenkinsfile of the shared corpus: no panic; each maps or is refused with a message;
//! every mapped pipeline has a job. `--nocapture` prints per-file status and the totals
//! (understood / partly / fragment / refused, and declarative / scripted).

use std::path::{Path, PathBuf};

use annexa_model::pipeline::PipelineKind;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn corpus_maps_or_is_refused_with_a_reason() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/jenkins");
    assert!(root.is_dir(), "corpus folder missing: {}", root.display());
    let mut all = Vec::new();
    files(&root, &mut all);
    assert!(!all.is_empty(), "no corpus files under {}", root.display());
    let (mut understood, mut partly, mut fragment, mut refused) = (0, 0, 0, 0);
    let (mut declarative, mut scripted) = (0, 0);
    for path in &all {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let Ok(text) = std::fs::read_to_string(path) else {
            println!("skip (not UTF-8)  {rel}");
            continue;
        };
        match annexa_jenkins::map(&rel, &text) {
            Err(r) => {
                assert!(
                    !r.message.trim().is_empty(),
                    "{rel}: refusal without a message"
                );
                refused += 1;
                println!("refused           {rel}: {}", r.message);
            }
            Ok(m) => {
                let p = &m.pipeline;
                let is_scripted = p
                    .unanalysed
                    .iter()
                    .any(|u| u.what.starts_with("scripted pipeline"));
                if is_scripted {
                    scripted += 1;
                } else {
                    declarative += 1;
                }
                if p.kind == PipelineKind::Fragment {
                    fragment += 1;
                } else {
                    assert!(!p.jobs.is_empty(), "{rel}: mapped pipeline without jobs");
                }
                let status = if p.kind == PipelineKind::Fragment {
                    "fragment"
                } else if m.notes.is_empty() {
                    understood += 1;
                    "understood"
                } else {
                    partly += 1;
                    "partly"
                };
                let steps: usize = p.jobs.iter().map(|j| j.steps.len()).sum();
                println!(
                    "{status:<17} {rel}: {} {} jobs, {steps} steps, {} externals, {} unanalysed{}",
                    if is_scripted {
                        "scripted"
                    } else {
                        "declarative"
                    },
                    p.jobs.len(),
                    p.all_externals().count(),
                    p.unanalysed.len(),
                    if m.notes.is_empty() {
                        String::new()
                    } else {
                        format!("; notes: {}", m.notes.join(" | "))
                    }
                );
            }
        }
    }
    println!(
        "jenkins corpus: {} files: {understood} understood, {partly} partly, {fragment} fragment, {refused} refused; {declarative} declarative, {scripted} scripted",
        all.len()
    );
}
