//! What git says about a repository folder. Only a folder that is the top level of a git
//! work tree gets `repo-commit` provenance; anything else is a plain working tree.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use annexa_model::RepoIdentity;

pub(crate) struct GitInfo {
    pub commit: String,
    pub branch: Option<String>,
    pub identity: Option<RepoIdentity>,
    /// Paths git tracks and that are unchanged against HEAD.
    pub clean: HashSet<String>,
    /// Whether anything in the work tree differs from HEAD.
    pub dirty: bool,
}

fn git(root: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

fn line(bytes: Vec<u8>) -> Option<String> {
    let s = String::from_utf8(bytes).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

pub(crate) fn inspect(root: &Path) -> Option<GitInfo> {
    // Only a work tree's top level has `.git` (a folder, or a file for worktrees and
    // submodules); anything else is a plain working tree and needs no git process.
    if !root.join(".git").exists() {
        return None;
    }
    let top = line(git(root, &["rev-parse", "--show-toplevel"])?)?;
    let same = std::fs::canonicalize(&top).ok()? == std::fs::canonicalize(root).ok()?;
    if !same {
        return None;
    }
    let commit = line(git(root, &["rev-parse", "--verify", "HEAD"])?)?;
    let branch = git(root, &["rev-parse", "--abbrev-ref", "HEAD"])
        .and_then(line)
        .filter(|b| b != "HEAD");
    let identity = git(root, &["remote", "get-url", "origin"])
        .and_then(line)
        .and_then(|u| parse_remote(&u));
    let tracked = git(root, &["ls-files", "-z"])?;
    let status = git(
        root,
        &["status", "--porcelain=v1", "-z", "--untracked-files=all"],
    )?;
    let mut changed = HashSet::new();
    let mut entries = status.split(|&b| b == 0).filter(|e| !e.is_empty());
    while let Some(e) = entries.next() {
        if e.len() > 3 {
            changed.insert(String::from_utf8_lossy(&e[3..]).into_owned());
        }
        if e.first() == Some(&b'R') || e.first() == Some(&b'C') {
            // Renames and copies carry the original path as the next entry.
            entries.next();
        }
    }
    let dirty = !changed.is_empty();
    let clean = tracked
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .filter(|p| !changed.contains(p))
        .collect();
    Some(GitInfo {
        commit,
        branch,
        identity,
        clean,
        dirty,
    })
}

/// `https://github.com/acme/app.git`, `git@github.com:acme/app.git`,
/// `ssh://git@host:22/group/sub/app` → host, owner (namespace) and name.
pub(crate) fn parse_remote(url: &str) -> Option<RepoIdentity> {
    let url = url.trim().trim_end_matches('/').trim_end_matches(".git");
    let rest = if let Some((_, r)) = url.split_once("://") {
        let r = r.split_once('@').map_or(r, |(_, h)| h);
        r.to_owned()
    } else if let Some((userhost, path)) = url.split_once(':') {
        let host = userhost.split_once('@').map_or(userhost, |(_, h)| h);
        format!("{host}/{path}")
    } else {
        return None;
    };
    let (host, path) = rest.split_once('/')?;
    let host = host.split(':').next().unwrap_or(host);
    let (owner, name) = path.rsplit_once('/')?;
    if host.is_empty() || owner.is_empty() || name.is_empty() {
        return None;
    }
    Some(RepoIdentity {
        host: host.to_ascii_lowercase().into(),
        owner: owner.into(),
        name: name.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_remote;

    #[test]
    fn remotes() {
        let r = parse_remote("https://github.com/acme/app.git").unwrap();
        assert_eq!(
            (&*r.host, &*r.owner, &*r.name),
            ("github.com", "acme", "app")
        );
        let r = parse_remote("git@gitlab.com:group/sub/app.git").unwrap();
        assert_eq!((&*r.owner, &*r.name), ("group/sub", "app"));
        let r = parse_remote("ssh://git@git.example.com:2222/team/app").unwrap();
        assert_eq!(&*r.host, "git.example.com");
        let r = parse_remote("https://token@github.com/acme/app").unwrap();
        assert_eq!(&*r.owner, "acme");
        assert!(parse_remote("/srv/git/app").is_none());
    }
}
