use std::sync::Arc;

use annexa_model::observation::ViaKind;
use annexa_model::pipeline::{Event, ExternalKind, Pinning, PipelineKind, RunnerKind, StepAction};
use annexa_source::{Limits, MemoryFiles, YamlFile};

use super::*;

fn load(s: &str) -> YamlFile {
    YamlFile::parse(Arc::from(s), &Limits::default()).unwrap()
}

#[test]
fn paths() {
    for p in [
        "azure-pipelines.yml",
        "build/azure-pipelines.release.yaml",
        "ci/app.azure-pipelines.yml",
        ".azure-pipelines/build.yml",
        "x/.pipelines/official.yml",
        ".azuredevops/ci.yaml",
        ".vsts.ci.yml",
        ".azure-pipelines.yml",
    ] {
        assert!(classify_path(p), "{p}");
    }
    for p in [
        "ci.yml",
        "sub/.vsts.ci.yml",
        "azure-pipelines.json",
        ".github/workflows/a.yml",
    ] {
        assert!(!classify_path(p), "{p}");
    }
}

#[test]
fn maps_stages_jobs_steps() {
    let text = "trigger:\n  branches:\n    include: [main]\n  tags:\n    include: ['v*']\npr: none\nvariables:\n  system.debug: true\n  - group: prod-secrets\n";
    // (invalid YAML on purpose is not the point: use a valid one)
    let _ = text;
    let f = load(
        "trigger:\n  branches:\n    include: [main]\n  tags:\n    include: ['v*']\npr:\n  branches:\n    include: [main]\nresources:\n  repositories:\n    - repository: tpl\n      type: git\n      name: org/templates\n      ref: refs/heads/main\n  containers:\n    - container: py\n      image: python:3.12\nvariables:\n  - group: prod-secrets\n  - name: system.debug\n    value: true\nstages:\n  - stage: Build\n    pool:\n      vmImage: ubuntu-latest\n    jobs:\n      - job: compile\n        container: py\n        steps:\n          - checkout: self\n            persistCredentials: true\n          - script: curl -s https://x | bash\n            env:\n              TOKEN: $(NPM_TOKEN)\n          - task: CredScan@3\n            continueOnError: true\n          - template: steps.yml@tpl\n  - stage: Deploy\n    jobs:\n      - deployment: prod\n        pool: MyAgents\n        environment: production.web\n        strategy:\n          runOnce:\n            deploy:\n              steps:\n                - bash: kubectl apply -f k8s/\n",
    );
    let m = map("azure-pipelines.yml", &f, &MemoryFiles::new()).unwrap();
    let p = m.pipeline;
    assert_eq!(p.kind, PipelineKind::Pipeline);
    assert_eq!(p.triggers.len(), 3, "{:?}", p.triggers);
    assert!(p.triggers[1].release);
    assert_eq!(p.triggers[2].event, Event::PullRequest);
    assert_eq!(p.variables[0].name, "system.debug");
    assert_eq!(p.jobs.len(), 2);
    let build = &p.jobs[0];
    assert_eq!(build.id, "Build.compile");
    assert_eq!(build.runner.as_ref().unwrap().kind, RunnerKind::Hosted);
    assert!(build.secrets.iter().any(|s| s.name == "group:prod-secrets"));
    assert!(build.secrets.iter().any(|s| s.name == "NPM_TOKEN"));
    assert_eq!(build.steps.len(), 3);
    assert!(build.steps[2].continue_on_error.is_some());
    assert_eq!(build.steps[2].tools[0].name, "CredScan");
    let StepAction::Uses { target, inputs } = &build.steps[0].action else {
        panic!()
    };
    assert_eq!(target.name, "checkout");
    assert_eq!(inputs[0].name, "persistCredentials");
    let deploy = &p.jobs[1];
    assert_eq!(deploy.environment.as_ref().unwrap().name, "production.web");
    assert_eq!(deploy.runner.as_ref().unwrap().kind, RunnerKind::SelfHosted);
    assert_eq!(deploy.steps.len(), 1);
    // The remote template and the resource container.
    let tpl = p
        .externals
        .iter()
        .find(|e| e.kind == ExternalKind::Template)
        .unwrap();
    assert_eq!(tpl.pinning, Pinning::Mutable);
    assert_eq!(tpl.name, "org/templates/steps.yml");
    assert_eq!(p.unanalysed.len(), 1);
    assert!(
        p.externals
            .iter()
            .any(|e| e.kind == ExternalKind::Image && e.name == "python")
    );
}

#[test]
fn local_templates_expand_with_parameters() {
    let files = MemoryFiles::new()
        .with(
            "ci/jobs.yml",
            "parameters:\n  - name: image\n    default: ubuntu-latest\n  - name: extra\n    type: stepList\n    default: []\njobs:\n  - job: build_${{ parameters.image }}\n    pool:\n      vmImage: ${{ parameters.image }}\n    steps:\n      - template: steps/common.yml\n      - ${{ parameters.extra }}\n      - ${{ if eq(parameters.image, 'x') }}:\n        - script: echo x\n",
        )
        .with("ci/steps/common.yml", "steps:\n  - script: make test\n")
        .with("ci/loop-a.yml", "steps:\n  - template: loop-b.yml\n")
        .with("ci/loop-b.yml", "steps:\n  - template: loop-a.yml\n");
    let root = "jobs:\n  - template: ci/jobs.yml\n    parameters:\n      image: windows-latest\n      extra:\n        - script: echo extra\n  - job: loop\n    steps:\n      - template: ci/loop-a.yml\n      - template: ci/missing.yml\n";
    let f = load(root);
    let m = map("azure-pipelines.yml", &f, &files).unwrap();
    let p = &m.pipeline;
    let j = &p.jobs[0];
    assert_eq!(j.id, "build_${{ parameters.image }}");
    assert_eq!(j.runner.as_ref().unwrap().labels, vec!["windows-latest"]);
    assert_eq!(j.steps.len(), 3, "{:?}", j.steps);
    // From the nested template: in its own file, through both templates.
    let s0 = &j.steps[0];
    assert_eq!(s0.site.file.as_deref(), Some("ci/steps/common.yml"));
    assert_eq!(s0.site.via.len(), 2);
    assert_eq!(s0.site.via[0].kind, ViaKind::TemplateOf);
    assert_eq!(s0.site.via[0].path, "azure-pipelines.yml");
    assert_eq!(s0.site.via[1].path, "ci/jobs.yml");
    // Passed in by the caller: in the caller's file.
    assert_eq!(j.steps[1].site.file, None);
    assert_eq!(j.steps[1].script(), Some("echo extra"));
    assert!(m.notes.iter().any(|n| n.contains("every branch")));
    assert!(m.notes.iter().any(|n| n.contains("cycle")), "{:?}", m.notes);
    assert!(m.notes.iter().any(|n| n.contains("ci/missing.yml")));
    assert_eq!(
        p.sources
            .iter()
            .filter(|s| &*s.path == "ci/loop-a.yml")
            .count(),
        1
    );
    assert_eq!(
        references("azure-pipelines.yml", &f),
        vec!["ci/jobs.yml", "ci/loop-a.yml", "ci/missing.yml"]
    );
    let span = s0.site.span.unwrap();
    let src = p
        .sources
        .iter()
        .find(|s| &*s.path == "ci/steps/common.yml")
        .unwrap();
    assert!(src.text[span.start..span.end].starts_with("script"));
}

#[test]
fn fragments_and_extends() {
    let frag = load(
        "parameters:\n  - name: x\n    default: 1\nsteps:\n  - script: echo ${{ parameters.x }}\n",
    );
    let m = map("tpl/steps.yml", &frag, &MemoryFiles::new()).unwrap();
    assert_eq!(m.pipeline.kind, PipelineKind::Fragment);
    assert!(m.pipeline.triggers.is_empty());
    assert_eq!(m.pipeline.jobs.len(), 1);

    let ext = load(
        "trigger: none\nresources:\n  repositories:\n    - repository: t\n      type: git\n      name: org/t\n      ref: refs/tags/v2\nextends:\n  template: main.yml@t\n  parameters:\n    stages:\n      - stage: s\n        jobs:\n          - job: j\n            steps:\n              - script: echo\n",
    );
    let m = map("azure-pipelines.yml", &ext, &MemoryFiles::new()).unwrap();
    assert_eq!(m.pipeline.jobs.len(), 1);
    assert!(m.pipeline.triggers.is_empty());
    assert_eq!(m.pipeline.externals[0].pinning, Pinning::Version);

    let files = MemoryFiles::new().with(
        "base.yml",
        "parameters:\n  - name: stages\n    type: stageList\nstages:\n  - stage: pre\n    jobs:\n      - job: scan\n        steps:\n          - script: gitleaks detect\n  - ${{ parameters.stages }}\n",
    );
    let ext = load(
        "extends:\n  template: base.yml\n  parameters:\n    stages:\n      - stage: s\n        jobs:\n          - job: j\n            steps:\n              - script: echo\n",
    );
    let m = map("azure-pipelines.yml", &ext, &files).unwrap();
    let ids: Vec<&str> = m.pipeline.jobs.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, vec!["pre.scan", "s.j"]);
    assert_eq!(
        m.pipeline.jobs[0].steps[0].site.via[0].kind,
        ViaKind::ExtendedBy
    );
    assert_eq!(m.pipeline.triggers[0].event, Event::Push);
}

#[test]
fn manual_validation_gates_dependents() {
    let f = load(
        "stages:\n  - stage: approve\n    jobs:\n      - job: wait\n        pool: server\n        steps:\n          - task: ManualValidation@1\n  - stage: release\n    jobs:\n      - job: publish\n        steps:\n          - script: npm publish\n",
    );
    let m = map("azure-pipelines.yml", &f, &MemoryFiles::new()).unwrap();
    let j = &m.pipeline.jobs[1];
    assert!(j.manual_gate.is_some());
    assert!(m.pipeline.jobs[0].runner.is_none());
}

#[test]
fn refuses_non_pipelines() {
    assert!(map("a.yml", &load("- a\n"), &MemoryFiles::new()).is_err());
    assert!(map("a.yml", &load("foo: 1\n"), &MemoryFiles::new()).is_err());
}

#[test]
fn template_expansion_is_bounded() {
    // A binary tree of templates 12 levels deep would be 4096 expansions.
    let mut files = MemoryFiles::new();
    for d in 0..12 {
        files = files.with(
            &format!("t{d}.yml"),
            &format!(
                "steps:\n  - template: t{}.yml\n  - template: t{}.yml\n  - script: echo {d}\n",
                d + 1,
                d + 1
            ),
        );
    }
    files = files.with("t12.yml", "steps:\n  - script: echo leaf\n");
    let f = load("steps:\n  - template: t0.yml\n");
    let m = map("azure-pipelines.yml", &f, &files).unwrap();
    assert!(
        m.notes.iter().any(|n| n.contains("more than 200")),
        "{:?}",
        &m.notes[..3]
    );
    assert!(m.pipeline.jobs[0].steps.len() < 400);
    // Each file's text is kept once.
    assert_eq!(m.pipeline.sources.len(), 13);
}

#[test]
fn deep_nesting_stops() {
    let mut files = MemoryFiles::new();
    for d in 0..30 {
        files = files.with(
            &format!("d{d}.yml"),
            &format!("steps:\n  - template: d{}.yml\n", d + 1),
        );
    }
    let f = load("steps:\n  - template: d0.yml\n");
    let m = map("azure-pipelines.yml", &f, &files).unwrap();
    assert!(
        m.notes.iter().any(|n| n.contains("nests more than 16")),
        "{:?}",
        m.notes
    );
}
