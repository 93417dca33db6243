use annexa_model::Outcome;
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
        // Variables that switch verification off for every tool that reads them.
        let mut found = false;
        for v in cx.pipeline.all_variables() {
            let value = v.value.trim().to_ascii_lowercase();
            let off = match v.name.to_ascii_uppercase().as_str() {
                "GIT_SSL_NO_VERIFY" => !matches!(value.as_str(), "" | "false" | "0"),
                "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => value == "0",
                "NPM_CONFIG_STRICT_SSL" => value == "false",
                _ => false,
            };
            if off {
                found = true;
                out.at(
                    cx.file,
                    &v.site,
                    Outcome::Fail,
                    format!(
                        "variable `{}` switches TLS certificate verification off",
                        v.name
                    ),
                );
            }
        }
        let before = out.observations.len();
        line_check(
            cx,
            out,
            detect,
            "no script switches TLS certificate verification off",
        );
        if found {
            // The variable findings make the file relevant after all.
            let mut i = before;
            while i < out.observations.len() {
                if out.observations[i].outcome == Outcome::NotRelevant {
                    out.observations.remove(i);
                } else {
                    i += 1;
                }
            }
        }
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
