use annexa_model::Platform;

use super::scripts::{line_check, words};
use crate::check::{Check, PipelineCx, Sink, check};

check! {
    /// ## What it does
    /// Finds scripts that switch TLS certificate verification off: `curl -k` / `--insecure`,
    /// `wget --no-check-certificate`, `git -c http.sslVerify=false`, `GIT_SSL_NO_VERIFY`,
    /// `NODE_TLS_REJECT_UNAUTHORIZED=0`, `pip --trusted-host`, `npm config set strict-ssl false`.
    ///
    /// ## Why is this bad?
    /// Without certificate verification anyone on the network path can impersonate the server
    /// and hand the build whatever they like — code, dependencies, tools — or read the
    /// credentials it sends. Build networks are not as private as they look (shared runners,
    /// proxies, cloud metadata).
    ///
    /// ## Example
    /// ```yaml
    ///       - run: curl -k https://internal.example.com/tool.tar.gz | tar xz
    /// ```
    ///
    /// ## Fix
    /// Keep verification on; for an internal CA, install the CA certificate and point the
    /// tool at it (`--cacert`, `NODE_EXTRA_CA_CERTS`).
    pub struct TlsVerificationDisabled {
        id: TlsVerificationDisabled,
        summary: "TLS certificate verification switched off",
        severity: Medium,
        confidence: High,
        scope: Pipeline,
        platforms: Platform::CI,
        controls: [A8_20, A8_24],
    }
}

fn detect(line: &str) -> Option<(String, String)> {
    let w = words(line);
    let has = |s: &str| w.contains(&s);
    let lower = line.to_ascii_lowercase();
    let hit = if w.first().is_some_and(|c| c.ends_with("curl")) && (has("-k") || has("--insecure"))
    {
        Some(if has("-k") { "-k" } else { "--insecure" })
    } else if lower.contains("--no-check-certificate") {
        Some("--no-check-certificate")
    } else if lower.contains("sslverify=false") || lower.contains("sslverify false") {
        Some("sslVerify")
    } else if lower.contains("git_ssl_no_verify") {
        Some("GIT_SSL_NO_VERIFY")
    } else if lower.contains("node_tls_reject_unauthorized=0")
        || lower.contains("node_tls_reject_unauthorized: 0")
    {
        Some("NODE_TLS_REJECT_UNAUTHORIZED")
    } else if lower.contains("--trusted-host") {
        Some("--trusted-host")
    } else if lower.contains("strict-ssl false") || lower.contains("strict-ssl=false") {
        Some("strict-ssl")
    } else {
        None
    };
    hit.map(|h| {
        (
            line.trim().to_owned(),
            format!("switches TLS certificate verification off (`{h}`)"),
        )
    })
}

impl Check for TlsVerificationDisabled {
    fn meta(&self) -> &'static annexa_model::CheckMeta {
        &Self::META
    }

    fn pipeline(&self, cx: &PipelineCx<'_>, out: &mut Sink) {
        line_check(
            cx,
            out,
            detect,
            "no script switches TLS certificate verification off",
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn detects() {
        assert!(super::detect("curl -k https://x").is_some());
        assert!(super::detect("curl -fsSL https://x").is_none());
        assert!(super::detect("git -c http.sslVerify=false clone x").is_some());
        assert!(super::detect("pip install --trusted-host pypi.internal x").is_some());
        assert!(super::detect("tar -k -xf x").is_none());
    }
}
