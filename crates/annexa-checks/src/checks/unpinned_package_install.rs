use annexa_model::Platform;

use super::scripts::{line_check, words};
use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds tools installed ad hoc in scripts without a version: `npx pkg`, `npm install -g
    /// pkg`, `pip install pkg` (no `==`, not from a requirements or lock file), `go install
    /// mod@latest`, `cargo install crate` without `--version`, `gem install gem` without
    /// `-v`.
    ///
    /// ## Why is this bad?
    /// The build runs whatever version the registry serves at that moment — including a
    /// malicious release published an hour ago. Lock files and pinned versions make the tools
    /// a build uses part of the reviewed source, and let update bots propose changes.
    ///
    /// ## Example
    /// ```yaml
    ///       - run: npx prettier --check .
    /// ```
    ///
    /// ## Fix
    /// Pin the version (`npx prettier@3.3.3`, `pip install tool==1.2.3`, `go install
    /// mod@v1.2.3`), or declare the tool in the project's lock file.
    pub struct UnpinnedPackageInstall {
        id: UnpinnedPackageInstall,
        summary: "tool installed without a version",
        severity: Low,
        confidence: Medium,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A5_21, A8_19],
    }
}

fn detect(line: &str) -> Option<(String, String)> {
    let w = words(line);
    let hit = |pkg: &str| {
        Some((
            line.trim().to_owned(),
            format!("installs `{pkg}` without a version"),
        ))
    };
    for (i, cmd) in w.iter().enumerate() {
        let args = &w[i + 1..];
        let first_pkg = || args.iter().find(|a| !a.starts_with('-')).copied();
        match *cmd {
            "npx" => {
                let pkg = first_pkg()?;
                let versioned = pkg.trim_start_matches('@').contains('@');
                if !versioned && !pkg.starts_with('.') && !pkg.starts_with('$') {
                    return hit(pkg);
                }
            }
            "pip" | "pip3" | "pipx" if args.first() == Some(&"install") => {
                if args.iter().any(|a| {
                    matches!(
                        *a,
                        "-r" | "--requirement" | "-e" | "--editable" | "-c" | "--constraint" | "."
                    )
                }) {
                    return None;
                }
                let pkgs: Vec<&&str> = args[1..]
                    .iter()
                    .filter(|a| {
                        !a.starts_with('-')
                            && !a.starts_with('.')
                            && !a.starts_with('$')
                            && !a.contains('/')
                    })
                    .collect();
                if let Some(p) = pkgs
                    .iter()
                    .find(|p| !p.contains("==") && !p.contains("~=") && !p.contains(".whl"))
                {
                    return hit(p);
                }
            }
            "npm" | "pnpm"
                if matches!(args.first(), Some(&"install" | &"i" | &"add"))
                    && args.iter().any(|a| matches!(*a, "-g" | "--global")) =>
            {
                let pkg = args[1..].iter().find(|a| !a.starts_with('-'))?;
                if !pkg.trim_start_matches('@').contains('@') {
                    return hit(pkg);
                }
            }
            "go" if args.first() == Some(&"install") => {
                let m = args[1..].iter().find(|a| !a.starts_with('-'))?;
                if m.ends_with("@latest") || !m.contains('@') {
                    return hit(m);
                }
            }
            "cargo" if args.first() == Some(&"install") => {
                if args.iter().any(|a| {
                    matches!(*a, "--version" | "--path" | "--git" | "--vers")
                        || a.starts_with("--version=")
                }) {
                    return None;
                }
                let c = args[1..].iter().find(|a| !a.starts_with('-'))?;
                if !c.contains('@') {
                    return hit(c);
                }
            }
            "gem" if args.first() == Some(&"install") => {
                if args
                    .iter()
                    .any(|a| matches!(*a, "-v" | "--version") || a.starts_with("--version="))
                {
                    return None;
                }
                let g = args[1..].iter().find(|a| !a.starts_with('-'))?;
                return hit(g);
            }
            _ => {}
        }
    }
    None
}

impl Check for UnpinnedPackageInstall {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        line_check(
            cx,
            out,
            detect,
            "no script installs a tool without a version",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn detects() {
        assert!(detect("npx prettier --check .").is_some());
        assert!(detect("npx prettier@3.3.3 --check .").is_none());
        assert!(detect("pip install ruff").is_some());
        assert!(detect("pip install -r requirements.txt").is_none());
        assert!(detect("pip install ruff==0.6.0").is_none());
        assert!(detect("go install golang.org/x/vuln/cmd/govulncheck@latest").is_some());
        assert!(detect("go install golang.org/x/vuln/cmd/govulncheck@v1.1.3").is_none());
        assert!(detect("cargo install cargo-deny --locked").is_some());
        assert!(detect("cargo install cargo-deny --version 0.16.1 --locked").is_none());
        assert!(detect("npm install -g @angular/cli").is_some());
        assert!(detect("npm install -g @angular/cli@18.0.0").is_none());
        assert!(detect("npm ci").is_none());
    }
}
