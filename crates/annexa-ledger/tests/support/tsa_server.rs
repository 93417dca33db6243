//! A real RFC 3161 time-stamp authority on loopback for the ledger's tests: a CA and a TSA
//! certificate made with the `openssl` CLI, and a tiny HTTP server thread answering with
//! `openssl ts -reply`. Shared by tests/tsa.rs and tests/pack.rs (`#[path]` module); each uses
//! part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the `openssl` CLI is required for these tests (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[derive(Clone, Copy, PartialEq)]
pub enum KeyKind {
    Rsa,
    P256,
}

/// How the HTTP server answers.
#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    /// `openssl ts -reply` for every request.
    Reply,
    /// The first reply for every later request too (a replayed token).
    Replay,
    /// HTTP 500.
    ServerError,
}

pub struct Tsa {
    pub dir: tempfile::TempDir,
    pub ca_pem: String,
    /// The CA certificate's DER (the TSA puts a copy in each token as its chain).
    pub ca_der: Vec<u8>,
    pub url: String,
}

pub fn keygen(kind: KeyKind) -> Vec<&'static str> {
    match kind {
        KeyKind::Rsa => vec!["-newkey", "rsa:2048"],
        KeyKind::P256 => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    }
}

/// A CA, a TSA certificate it issues (EKU timeStamping, critical), an `openssl ts` config
/// accepting `digests`, and an HTTP server for it on 127.0.0.1.
/// A CA (`ca.key`, `ca.pem`) in `dir`; its PEM.
pub fn make_ca(dir: &Path, kind: KeyKind) -> String {
    let mut args = vec![
        "req", "-x509", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
    ];
    args.extend(keygen(kind));
    args.extend([
        "-subj",
        "/CN=annexa test CA",
        "-days",
        "2",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &args);
    std::fs::read_to_string(dir.join("ca.pem")).unwrap()
}

pub fn start_tsa(kind: KeyKind, digests: &str, mode: Mode) -> Tsa {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_ca(d, kind);
    let mut args = vec![
        "req", "-new", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
    ];
    args.extend(keygen(kind));
    args.extend(["-subj", "/CN=annexa test TSA"]);
    openssl(d, &args);
    std::fs::write(
        d.join("ext.cnf"),
        "[v3_tsa]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
         extendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n\
         authorityKeyIdentifier=keyid\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-set_serial",
            "4242",
            "-days",
            "2",
            "-sha256",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "v3_tsa",
            "-out",
            "tsa.pem",
        ],
    );
    std::fs::write(d.join("tsaserial"), "01\n").unwrap();
    let p = |f: &str| d.join(f).display().to_string();
    std::fs::write(
        d.join("ts.cnf"),
        format!(
            "[tsa]\ndefault_tsa = tsa_config1\n[tsa_config1]\nserial = {}\ncrypto_device = builtin\n\
             signer_cert = {}\ncerts = {}\nsigner_key = {}\nsigner_digest = sha256\n\
             default_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5\ndigests = {digests}\n\
             accuracy = secs:1\nordering = no\ntsa_name = no\ness_cert_id_chain = no\n\
             ess_cert_id_alg = sha256\n",
            p("tsaserial"),
            p("tsa.pem"),
            p("ca.pem"),
            p("tsa.key"),
        ),
    )
    .unwrap();
    let ca_pem = std::fs::read_to_string(d.join("ca.pem")).unwrap();
    openssl(
        d,
        &["x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der"],
    );
    let ca_der = std::fs::read(d.join("ca.der")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", listener.local_addr().unwrap());
    let workdir = d.to_path_buf();
    let first = Arc::new(Mutex::new(None::<Vec<u8>>));
    std::thread::spawn(move || {
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(conn) = conn else { continue };
            serve(conn, &workdir, n, mode, &first);
        }
    });
    Tsa {
        dir,
        ca_pem,
        ca_der,
        url,
    }
}

pub fn serve(
    mut conn: TcpStream,
    dir: &Path,
    n: usize,
    mode: Mode,
    first: &Mutex<Option<Vec<u8>>>,
) {
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_end, length) = loop {
        let k = conn.read(&mut chunk).unwrap();
        assert!(k > 0, "client closed early");
        buf.extend_from_slice(&chunk[..k]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
            assert!(head.starts_with("post /tsa http/1.1"), "{head}");
            assert!(
                head.contains("content-type: application/timestamp-query"),
                "{head}"
            );
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse::<usize>().unwrap())
                .expect("Content-Length");
            break (i + 4, len);
        }
    };
    while buf.len() < head_end + length {
        let k = conn.read(&mut chunk).unwrap();
        assert!(k > 0, "client closed early");
        buf.extend_from_slice(&chunk[..k]);
    }
    if mode == Mode::ServerError {
        conn.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\noops")
            .unwrap();
        return;
    }
    let query = dir.join(format!("req{n}.tsq"));
    let reply = dir.join(format!("resp{n}.tsr"));
    std::fs::write(&query, &buf[head_end..head_end + length]).unwrap();
    let q = query.display().to_string();
    let r = reply.display().to_string();
    openssl(
        dir,
        &[
            "ts",
            "-reply",
            "-queryfile",
            &q,
            "-config",
            "ts.cnf",
            "-section",
            "tsa_config1",
            "-out",
            &r,
        ],
    );
    let mut body = std::fs::read(&reply).unwrap();
    if mode == Mode::Replay {
        let mut first = first.lock().unwrap();
        body = first.get_or_insert(body).clone();
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&body).unwrap();
}
