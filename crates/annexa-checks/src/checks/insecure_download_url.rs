use annexa_model::Platform;

use super::scripts::{line_check, words};
use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds downloads over plain `http://` in scripts: `curl`, `wget`, `pip install
    /// --index-url`, `npm --registry`, `apt` sources, `git clone` (loopback addresses are
    /// ignored).
    ///
    /// ## Why is this bad?
    /// Anything fetched over plain HTTP can be replaced in transit. The build then compiles,
    /// installs or runs whatever the network path decided to send.
    ///
    /// ## Example
    /// ```yaml
    ///       - run: wget http://downloads.example.com/tool.tar.gz
    /// ```
    ///
    /// ## Fix
    /// Use `https://` (and check a published checksum for binaries).
    pub struct InsecureDownloadUrl {
        id: InsecureDownloadUrl,
        summary: "download over plain HTTP",
        severity: Medium,
        confidence: Medium,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A8_20, A5_21],
    }
}

const FETCHERS: &[&str] = &[
    "curl",
    "wget",
    "pip",
    "pip3",
    "npm",
    "yarn",
    "git",
    "apt-get",
    "apt",
    "add-apt-repository",
    "go",
    "gem",
    "iwr",
    "invoke-webrequest",
];

fn detect(line: &str) -> Option<(String, String)> {
    let w = words(line);
    let fetch = w
        .iter()
        .any(|x| FETCHERS.contains(&x.rsplit('/').next().unwrap_or(x)));
    if !fetch {
        return None;
    }
    let url = w.iter().find_map(|x| {
        let i = x.find("http://")?;
        let u = &x[i..];
        let host = u["http://".len()..]
            .split(['/', ':'])
            .next()
            .unwrap_or_default();
        (!matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]")
            && !host.is_empty()
            && !host.starts_with('$'))
        .then_some(u)
    })?;
    // Never repeat credentials embedded in the URL (`http://user:token@host/...`).
    let rest = &url["http://".len()..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let shown = match rest[..authority_end].rfind('@') {
        Some(at) => format!("http://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    };
    Some((
        url.to_owned(),
        format!("downloads over plain HTTP (`{shown}`)"),
    ))
}

impl Check for InsecureDownloadUrl {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        line_check(cx, out, detect, "no script downloads over plain HTTP");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detects() {
        assert!(super::detect("wget http://example.com/x.tgz").is_some());
        assert!(super::detect("curl -s http://localhost:8080/health").is_none());
        assert!(super::detect("echo http://example.com").is_none());
        assert!(super::detect("pip install --index-url http://pypi.internal/simple x").is_some());
    }
}
