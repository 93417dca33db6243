//! External anchoring with an RFC 3161 time-stamp authority: a run's hash is sent to a TSA,
//! which signs it together with the time; whoever holds the ledger's signing key cannot
//! produce such a token afterwards, so a rewritten history no longer matches its anchors.
//!
//! `request` builds a DER `TimeStampReq` (SHA-256 imprint, random 64-bit nonce, certReq),
//! POSTs it over plain HTTP/1.1 (`application/timestamp-query`) and checks the reply's status,
//! imprint and nonce. `verify` re-parses a stored token (CMS SignedData → TSTInfo), checks the
//! imprint, the signed `messageDigest` attribute and the signature with the certificate in
//! the token; given trusted CA certificates it also requires that certificate to be issued by
//! one of them, valid at genTime and limited to the critical `timeStamping` key purpose.
//!
//! DER is parsed by hand (strict: definite lengths, minimal length encodings, no trailing
//! bytes); RSA PKCS#1 v1.5 (SHA-256/384/512) and ECDSA P-256 signatures are verified with
//! the RustCrypto `rsa` and `p256` crates. HTTPS is not supported: the token is signed, so
//! the transport needs no protection for integrity.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256, Sha384, Sha512};

/// A time-stamp token for one digest, as returned by the authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The DER `TimeStampToken` (a CMS `ContentInfo` holding SignedData over a TSTInfo).
    pub token_der: Vec<u8>,
    /// The TSTInfo's genTime in RFC 3339 (UTC, `Z`), fraction kept as the TSA gave it.
    pub gen_time: String,
    /// The URL the token was requested from.
    pub tsa_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TsaError {
    /// The authority could not be reached or did not answer HTTP properly.
    #[error("time-stamp authority {url}: {message}")]
    Transport { url: String, message: String },
    /// The authority answered with a status other than granted / grantedWithMods.
    #[error("time-stamp authority {url} rejected the request: {status}{detail}")]
    Rejected {
        url: String,
        status: String,
        detail: String,
    },
    /// The reply or token is not well-formed DER of the expected shape.
    #[error("time-stamp token is malformed: {0}")]
    Malformed(String),
    /// The token is well-formed but is not for this digest / request.
    #[error("time-stamp token does not match: {0}")]
    Mismatch(String),
    /// The signature, certificate or trust chain does not hold.
    #[error("time-stamp token is not trusted: {0}")]
    Untrusted(String),
    /// Something this implementation does not handle (https, an algorithm).
    #[error("unsupported: {0}")]
    Unsupported(String),
}

type Result<T, E = TsaError> = std::result::Result<T, E>;

/// The largest reply accepted from an authority.
const MAX_REPLY: usize = 1 << 20;

/// Asks the authority at `url` (http:// only) to time-stamp `digest` (a SHA-256 value) and
/// returns the checked token. `timeout` bounds the whole exchange.
pub fn request(url: &str, digest: &[u8; 32], timeout: Duration) -> Result<Anchor> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| TsaError::Transport {
        url: url.to_owned(),
        message: format!("no random source for the nonce: {e}"),
    })?;
    nonce[0] |= 0x01; // a non-zero leading byte: the INTEGER always has 8 (or 9) octets
    let nonce_int = integer_content(&nonce);
    let req = timestamp_req(digest, &nonce_int);
    let body = http_post(url, &req, timeout)?;
    let token_der = parse_resp(url, &body)?;
    let token = Token::parse(&token_der)?;
    token.check_imprint(digest)?;
    match token.tst.nonce {
        Some(n) if n == nonce_int.as_slice() => {}
        Some(_) => {
            return Err(TsaError::Mismatch(
                "the token's nonce is not the one we sent (a replayed or foreign token)".into(),
            ));
        }
        None => return Err(TsaError::Mismatch("the token carries no nonce".into())),
    }
    // Catch a broken token now rather than at audit time.
    token.check_signature(None)?;
    Ok(Anchor {
        gen_time: token.tst.gen_time.clone(),
        token_der,
        tsa_url: url.to_owned(),
    })
}

/// Checks `anchor` against `digest` and returns its genTime (RFC 3339).
///
/// Always: the token parses, its imprint is SHA-256 of `digest`, the signed `messageDigest`
/// matches the TSTInfo and, when the token carries the signer's certificate, the signature
/// verifies with it. With `trusted_ca_pem` (one or more PEM certificates): the signer's
/// certificate must be present, issued (and signed) by one of them, valid at genTime, and
/// carry a critical extendedKeyUsage naming only `timeStamping` — without it, anyone could
/// mint a token with a certificate of their own.
pub fn verify(anchor: &Anchor, digest: &[u8; 32], trusted_ca_pem: Option<&str>) -> Result<String> {
    let token = Token::parse(&anchor.token_der)?;
    token.check_imprint(digest)?;
    let ders = trusted_ca_pem.map(pem_certificates).transpose()?;
    let trusted = ders
        .as_ref()
        .map(|ders| {
            ders.iter()
                .map(|d| Cert::parse(d))
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    if let Some(cas) = &trusted
        && cas.is_empty()
    {
        return Err(TsaError::Untrusted(
            "the trusted CA file holds no certificate".into(),
        ));
    }
    token.check_signature(trusted.as_deref())?;
    if token.tst.gen_time != anchor.gen_time {
        return Err(TsaError::Mismatch(format!(
            "the anchor records genTime {} but the token says {}",
            anchor.gen_time, token.tst.gen_time
        )));
    }
    Ok(token.tst.gen_time.clone())
}

// ---------------------------------------------------------------------------------------------
// Object identifiers (DER content bytes).

const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
const OID_TST_INFO: &[u8] = &[
    0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x01, 0x04,
];
const OID_CONTENT_TYPE: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x03];
const OID_MESSAGE_DIGEST: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04];
const OID_SIGNING_CERT_V2: &[u8] = &[
    0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x10, 0x02, 0x2F,
];
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const OID_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];
const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_RSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
const OID_RSA_SHA384: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0C];
const OID_RSA_SHA512: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0D];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const OID_ECDSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
const OID_ECDSA_SHA384: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03];
const OID_ECDSA_SHA512: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x04];
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x25];
const OID_KP_TIME_STAMPING: &[u8] = &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

// ---------------------------------------------------------------------------------------------
// DER writing (the request only).

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The content octets of a DER INTEGER for the unsigned big-endian `n`.
fn integer_content(n: &[u8]) -> Vec<u8> {
    let skip = n.iter().take_while(|b| **b == 0).count().min(n.len() - 1);
    let mut out = Vec::new();
    if n[skip] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&n[skip..]);
    out
}

fn timestamp_req(digest: &[u8; 32], nonce_int: &[u8]) -> Vec<u8> {
    let alg = tlv(SEQUENCE, &[tlv(OID, OID_SHA256), tlv(NULL, &[])].concat());
    let imprint = tlv(SEQUENCE, &[alg, tlv(OCTET_STRING, digest)].concat());
    tlv(
        SEQUENCE,
        &[
            tlv(INTEGER, &[1]),
            imprint,
            tlv(INTEGER, nonce_int),
            tlv(BOOLEAN, &[0xFF]),
        ]
        .concat(),
    )
}

// ---------------------------------------------------------------------------------------------
// DER reading.

#[derive(Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
    raw: &'a [u8],
}

struct Der<'a> {
    rest: &'a [u8],
}

fn bad(what: &str, why: &str) -> TsaError {
    TsaError::Malformed(format!("{what}: {why}"))
}

impl<'a> Der<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Der { rest: bytes }
    }

    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    fn any(&mut self, what: &str) -> Result<Tlv<'a>> {
        let b = self.rest;
        let (&tag, after) = b.split_first().ok_or_else(|| bad(what, "missing"))?;
        if tag & 0x1F == 0x1F {
            return Err(bad(what, "high tag numbers are not used here"));
        }
        let (&first, mut after) = after.split_first().ok_or_else(|| bad(what, "no length"))?;
        let len = if first < 0x80 {
            first as usize
        } else {
            let n = (first & 0x7F) as usize;
            if n == 0 {
                return Err(bad(what, "indefinite length (BER, not DER)"));
            }
            if n > 4 || after.len() < n {
                return Err(bad(what, "length out of range"));
            }
            let len = after[..n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | *b as usize);
            if after[0] == 0 || len < 0x80 {
                return Err(bad(what, "non-minimal length encoding"));
            }
            after = &after[n..];
            len
        };
        if after.len() < len {
            return Err(bad(what, "truncated"));
        }
        let header = b.len() - after.len();
        let raw = &b[..header + len];
        self.rest = &b[header + len..];
        Ok(Tlv {
            tag,
            body: &after[..len],
            raw,
        })
    }

    fn take(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>> {
        let t = self.any(what)?;
        if t.tag != tag {
            return Err(bad(
                what,
                &format!("expected tag {tag:#04x}, found {:#04x}", t.tag),
            ));
        }
        Ok(t)
    }

    fn optional(&mut self, tag: u8, what: &str) -> Result<Option<Tlv<'a>>> {
        if self.peek() == Some(tag) {
            self.any(what).map(Some)
        } else {
            Ok(None)
        }
    }

    fn finish(&self, what: &str) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(bad(what, "unexpected trailing data"))
        }
    }
}

/// The content of `t` as a reader of its elements.
fn inner<'a>(t: &Tlv<'a>) -> Der<'a> {
    Der::new(t.body)
}

/// A single TLV filling `bytes` exactly.
fn whole<'a>(bytes: &'a [u8], tag: u8, what: &str) -> Result<Tlv<'a>> {
    let mut d = Der::new(bytes);
    let t = d.take(tag, what)?;
    d.finish(what)?;
    Ok(t)
}

/// An AlgorithmIdentifier: its OID and its parameters, if any.
fn algorithm<'a>(t: &Tlv<'a>, what: &str) -> Result<(&'a [u8], Option<Tlv<'a>>)> {
    if t.tag != SEQUENCE {
        return Err(bad(what, "not an AlgorithmIdentifier"));
    }
    let mut d = inner(t);
    let oid = d.take(OID, what)?.body;
    let params = if d.peek().is_some() {
        Some(d.any(what)?)
    } else {
        None
    };
    d.finish(what)?;
    Ok((oid, params))
}

/// An AlgorithmIdentifier whose parameters are absent or NULL (hashes, RSA and ECDSA
/// signatures): anything else there is tampering or an algorithm we do not support.
fn plain_algorithm<'a>(t: &Tlv<'a>, what: &str) -> Result<&'a [u8]> {
    match algorithm(t, what)? {
        (oid, None) => Ok(oid),
        (oid, Some(p)) if p.tag == NULL && p.body.is_empty() => Ok(oid),
        _ => Err(bad(what, "unexpected algorithm parameters")),
    }
}

fn integer<'a>(t: &Tlv<'a>, what: &str) -> Result<&'a [u8]> {
    if t.tag != INTEGER || t.body.is_empty() {
        return Err(bad(what, "not an INTEGER"));
    }
    if t.body.len() > 1
        && ((t.body[0] == 0 && t.body[1] & 0x80 == 0)
            || (t.body[0] == 0xFF && t.body[1] & 0x80 != 0))
    {
        return Err(bad(what, "non-minimal INTEGER"));
    }
    Ok(t.body)
}

fn small_integer(t: &Tlv<'_>, what: &str) -> Result<i64> {
    let b = integer(t, what)?;
    if b.len() > 4 {
        return Err(bad(what, "integer too large"));
    }
    let mut v: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
    for x in b {
        v = (v << 8) | *x as i64;
    }
    Ok(v)
}

/// BIT STRING content with no unused bits.
fn bit_string<'a>(t: &Tlv<'a>, what: &str) -> Result<&'a [u8]> {
    if t.tag != BIT_STRING {
        return Err(bad(what, "not a BIT STRING"));
    }
    match t.body.split_first() {
        Some((0, rest)) => Ok(rest),
        _ => Err(bad(what, "BIT STRING with unused bits")),
    }
}

/// GeneralizedTime `YYYYMMDDHHMMSS[.f+]Z` or UTCTime `YYMMDDHHMMSSZ` → (RFC 3339, timestamp).
fn der_time(t: &Tlv<'_>, what: &str) -> Result<(String, jiff::Timestamp)> {
    let s = std::str::from_utf8(t.body).map_err(|_| bad(what, "time is not ASCII"))?;
    let full = match t.tag {
        GENERALIZED_TIME => s.to_owned(),
        UTC_TIME => {
            let yy: u32 = s
                .get(..2)
                .and_then(|y| y.parse().ok())
                .ok_or_else(|| bad(what, "bad UTCTime"))?;
            format!("{}{s}", if yy >= 50 { "19" } else { "20" })
        }
        _ => return Err(bad(what, "not a time")),
    };
    let b = full.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.len() >= r.end && b[r].iter().all(u8::is_ascii_digit);
    if !digits(0..14) || !full.ends_with('Z') {
        return Err(bad(what, &format!("unexpected time {s:?}")));
    }
    let frac = &full[14..full.len() - 1];
    if !(frac.is_empty()
        || (frac.len() > 1
            && frac.starts_with('.')
            && frac[1..].bytes().all(|c| c.is_ascii_digit())))
    {
        return Err(bad(what, &format!("unexpected time {s:?}")));
    }
    let rfc = format!(
        "{}-{}-{}T{}:{}:{}{frac}Z",
        &full[0..4],
        &full[4..6],
        &full[6..8],
        &full[8..10],
        &full[10..12],
        &full[12..14]
    );
    let ts: jiff::Timestamp = rfc
        .parse()
        .map_err(|e| bad(what, &format!("time {s:?}: {e}")))?;
    Ok((rfc, ts))
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1 POST over a plain TCP socket.

fn http_post(url: &str, body: &[u8], timeout: Duration) -> Result<Vec<u8>> {
    let fail = |message: String| TsaError::Transport {
        url: url.to_owned(),
        message,
    };
    let Some(rest) = url.strip_prefix("http://") else {
        if url.starts_with("https://") {
            return Err(TsaError::Unsupported(format!(
                "{url}: https:// time-stamp authorities are not supported; use the authority's \
                 http:// address (the token is signed, the transport needs no protection)"
            )));
        }
        return Err(fail("not an http:// URL".into()));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(fail("no host, or credentials in the URL".into()));
    }
    let host_port = if authority.rsplit_once(':').is_some_and(|(_, p)| {
        !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) && !authority.ends_with(']')
    }) {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let deadline = Instant::now() + timeout;
    let remaining = || {
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| fail(format!("no answer within {timeout:?}")))
    };
    let addrs: Vec<_> = host_port
        .to_socket_addrs()
        .map_err(|e| fail(format!("cannot resolve {host_port}: {e}")))?
        .collect();
    let mut last = None;
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, remaining()?) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut stream = stream.ok_or_else(|| {
        fail(match last {
            Some(e) => format!("cannot connect: {e}"),
            None => format!("{host_port} resolves to no address"),
        })
    })?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/timestamp-query\r\n\
         Accept: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\
         User-Agent: annexa/{}\r\n\r\n",
        body.len(),
        env!("CARGO_PKG_VERSION")
    );
    stream
        .set_write_timeout(Some(remaining()?))
        .and_then(|()| stream.write_all(head.as_bytes()))
        .and_then(|()| stream.write_all(body))
        .and_then(|()| stream.flush())
        .map_err(|e| fail(format!("sending the request: {e}")))?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        stream
            .set_read_timeout(Some(remaining()?))
            .map_err(|e| fail(e.to_string()))?;
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                reply.extend_from_slice(&buf[..n]);
                if reply.len() > MAX_REPLY {
                    return Err(fail(format!("reply larger than {MAX_REPLY} bytes")));
                }
                if let Some(done) = complete_body(&reply) {
                    return done.map_err(fail);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(fail(format!("no complete answer within {timeout:?}")));
            }
            Err(e) => return Err(fail(format!("reading the reply: {e}"))),
        }
    }
    match complete_body(&reply) {
        Some(done) => done.map_err(fail),
        None => http_body(&reply, true).map_err(fail),
    }
}

/// The body once the reply is complete (by Content-Length or chunked framing), else `None`.
fn complete_body(reply: &[u8]) -> Option<Result<Vec<u8>, String>> {
    match http_body(reply, false) {
        Err(e) if e.is_empty() => None,
        other => Some(other),
    }
}

/// Parses status line, headers and body. An empty error means "incomplete so far" unless
/// `eof`, when a body without framing runs to the end.
fn http_body(reply: &[u8], eof: bool) -> Result<Vec<u8>, String> {
    let incomplete = || {
        if eof {
            "the connection closed before the reply was complete".to_owned()
        } else {
            String::new()
        }
    };
    let Some(end) = reply.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Err(incomplete());
    };
    let head = String::from_utf8_lossy(&reply[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if !version.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP reply: {status_line:?}"));
    }
    if code != "200" {
        return Err(format!(
            "HTTP status {}",
            status_line[version.len()..].trim()
        ));
    }
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<usize>()
                    .map_err(|_| format!("bad Content-Length {value:?}"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("content-type") {
            let v = value.to_ascii_lowercase();
            if !v.starts_with("application/timestamp-reply")
                && !v.starts_with("application/timestamp-response")
            {
                return Err(format!(
                    "Content-Type {value:?}, expected application/timestamp-reply"
                ));
            }
        }
    }
    let body = &reply[end + 4..];
    if chunked {
        let mut out = Vec::new();
        let mut rest = body;
        loop {
            let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") else {
                return Err(incomplete());
            };
            let size_text = String::from_utf8_lossy(&rest[..nl]);
            let size_text = size_text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| format!("bad chunk size {size_text:?}"))?;
            rest = &rest[nl + 2..];
            if size == 0 {
                return Ok(out);
            }
            if rest.len() < size + 2 {
                return Err(incomplete());
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
    }
    match length {
        Some(n) if body.len() >= n => Ok(body[..n].to_vec()),
        Some(_) => Err(incomplete()),
        None if eof => Ok(body.to_vec()),
        None => Err(String::new()),
    }
}

// ---------------------------------------------------------------------------------------------
// TimeStampResp.

/// Checks the PKIStatusInfo and returns the DER of the TimeStampToken.
fn parse_resp(url: &str, body: &[u8]) -> Result<Vec<u8>> {
    let what = "TimeStampResp";
    let resp = whole(body, SEQUENCE, what)?;
    let mut d = inner(&resp);
    let status_info = d.take(SEQUENCE, "PKIStatusInfo")?;
    let mut s = inner(&status_info);
    let status = small_integer(&s.take(INTEGER, "PKIStatus")?, "PKIStatus")?;
    let mut texts = Vec::new();
    if let Some(free) = s.optional(SEQUENCE, "statusString")? {
        let mut f = inner(&free);
        while f.peek().is_some() {
            let t = f.any("statusString")?;
            texts.push(String::from_utf8_lossy(t.body).into_owned());
        }
    }
    let fail_info = s
        .optional(BIT_STRING, "failInfo")?
        .map(|t| fail_info_names(t.body));
    if status != 0 && status != 1 {
        let name = match status {
            2 => "rejection",
            3 => "waiting",
            4 => "revocationWarning",
            5 => "revocationNotification",
            _ => "unknown",
        };
        let mut detail = String::new();
        if !texts.is_empty() {
            detail.push_str(&format!(" ({})", texts.join("; ")));
        }
        if let Some(f) = fail_info.filter(|f| !f.is_empty()) {
            detail.push_str(&format!(" [failInfo: {f}]"));
        }
        return Err(TsaError::Rejected {
            url: url.to_owned(),
            status: format!("{name}({status})"),
            detail,
        });
    }
    let token = d.take(SEQUENCE, "timeStampToken").map_err(|_| {
        TsaError::Malformed("status granted but the reply carries no timeStampToken".into())
    })?;
    d.finish(what)?;
    Ok(token.raw.to_vec())
}

fn fail_info_names(bits: &[u8]) -> String {
    const NAMES: [(usize, &str); 8] = [
        (0, "badAlg"),
        (2, "badRequest"),
        (5, "badDataFormat"),
        (14, "timeNotAvailable"),
        (15, "unacceptedPolicy"),
        (16, "unacceptedExtension"),
        (17, "addInfoNotAvailable"),
        (25, "systemFailure"),
    ];
    let data = bits.get(1..).unwrap_or_default();
    NAMES
        .iter()
        .filter(|(bit, _)| {
            data.get(bit / 8)
                .is_some_and(|b| b & (0x80 >> (bit % 8)) != 0)
        })
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

// ---------------------------------------------------------------------------------------------
// TimeStampToken = ContentInfo { signedData, SignedData { … TSTInfo … } }.

struct TstInfo<'a> {
    imprint_alg: &'a [u8],
    imprint: &'a [u8],
    nonce: Option<&'a [u8]>,
    gen_time: String,
    gen_ts: jiff::Timestamp,
}

enum SignerId<'a> {
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    KeyId(&'a [u8]),
}

struct SignerInfo<'a> {
    sid: SignerId<'a>,
    digest_alg: &'a [u8],
    signed_attrs: Tlv<'a>,
    sig_alg: &'a [u8],
    signature: &'a [u8],
}

struct Token<'a> {
    tst_der: &'a [u8],
    tst: TstInfo<'a>,
    certs: Vec<Cert<'a>>,
    signer: SignerInfo<'a>,
}

impl<'a> Token<'a> {
    fn parse(der: &'a [u8]) -> Result<Self> {
        let ci = whole(der, SEQUENCE, "TimeStampToken")?;
        let mut d = inner(&ci);
        if d.take(OID, "contentType")?.body != OID_SIGNED_DATA {
            return Err(bad("TimeStampToken", "content is not SignedData"));
        }
        let explicit = d.take(0xA0, "SignedData")?;
        d.finish("TimeStampToken")?;
        let sd = whole(explicit.body, SEQUENCE, "SignedData")?;
        let mut d = inner(&sd);
        let version = small_integer(&d.take(INTEGER, "SignedData version")?, "version")?;
        if version != 3 {
            return Err(bad("SignedData", &format!("version {version}, expected 3")));
        }
        let algs = d.take(SET, "digestAlgorithms")?;
        let mut a = inner(&algs);
        let mut digest_algs = Vec::new();
        while a.peek().is_some() {
            digest_algs.push(plain_algorithm(
                &a.any("digestAlgorithm")?,
                "digestAlgorithm",
            )?);
        }
        let eci = d.take(SEQUENCE, "encapContentInfo")?;
        let mut e = inner(&eci);
        if e.take(OID, "eContentType")?.body != OID_TST_INFO {
            return Err(bad("encapContentInfo", "content is not a TSTInfo"));
        }
        let econtent = e.take(0xA0, "eContent")?;
        e.finish("encapContentInfo")?;
        let tst_der = whole(econtent.body, OCTET_STRING, "eContent")?.body;
        let tst = parse_tst_info(tst_der)?;
        let mut certs = Vec::new();
        if let Some(set) = d.optional(0xA0, "certificates")? {
            let mut c = inner(&set);
            while c.peek().is_some() {
                let t = c.any("certificate")?;
                // Other certificate formats ([0]..[3]) are ignored; only X.509 certificates count.
                if t.tag == SEQUENCE {
                    certs.push(Cert::parse(t.raw)?);
                }
            }
        }
        d.optional(0xA1, "crls")?;
        let infos = d.take(SET, "signerInfos")?;
        d.finish("SignedData")?;
        let mut s = inner(&infos);
        let signer = parse_signer_info(&s.take(SEQUENCE, "SignerInfo")?)?;
        if s.peek().is_some() {
            return Err(bad("signerInfos", "more than one signer"));
        }
        if !digest_algs.contains(&signer.digest_alg) {
            return Err(bad(
                "SignedData",
                "the signer's digest algorithm is not among digestAlgorithms",
            ));
        }
        Ok(Token {
            tst_der,
            tst,
            certs,
            signer,
        })
    }

    fn check_imprint(&self, digest: &[u8; 32]) -> Result<()> {
        if self.tst.imprint_alg != OID_SHA256 {
            return Err(TsaError::Mismatch(
                "the token's messageImprint is not a SHA-256 hash".into(),
            ));
        }
        if self.tst.imprint != digest {
            return Err(TsaError::Mismatch(format!(
                "the token stamps {} but the record's hash is {}",
                crate::merkle::hex(self.tst.imprint),
                crate::merkle::hex(digest)
            )));
        }
        Ok(())
    }

    /// The signer's certificate, found by the SignerInfo's sid.
    fn signer_cert(&self) -> Option<&Cert<'a>> {
        self.certs.iter().find(|c| match self.signer.sid {
            SignerId::IssuerSerial { issuer, serial } => c.issuer == issuer && c.serial == serial,
            SignerId::KeyId(id) => c.subject_key_id == Some(id),
        })
    }

    fn check_signature(&self, trusted: Option<&[Cert<'_>]>) -> Result<()> {
        let untrusted = |m: String| TsaError::Untrusted(m);
        let signer = &self.signer;
        let digest_hash = Hash::from_digest_oid(signer.digest_alg)
            .ok_or_else(|| TsaError::Unsupported("the token's digest algorithm".into()))?;
        // Signed attributes: contentType is TSTInfo, messageDigest is the TSTInfo's hash.
        let mut content_type = None;
        let mut message_digest = None;
        let mut signing_cert_v2 = None;
        let mut a = inner(&signer.signed_attrs);
        while a.peek().is_some() {
            let attr = a.take(SEQUENCE, "signed attribute")?;
            let mut f = inner(&attr);
            let oid = f.take(OID, "attribute type")?.body;
            let values = f.take(SET, "attribute values")?;
            f.finish("signed attribute")?;
            let mut v = inner(&values);
            let first = v.any("attribute value")?;
            let single = v.peek().is_none();
            let slot = match oid {
                OID_CONTENT_TYPE => &mut content_type,
                OID_MESSAGE_DIGEST => &mut message_digest,
                OID_SIGNING_CERT_V2 => &mut signing_cert_v2,
                _ => continue,
            };
            if slot.is_some() || !single {
                return Err(bad("signed attributes", "a repeated attribute"));
            }
            *slot = Some(first);
        }
        match content_type {
            Some(t) if t.tag == OID && t.body == OID_TST_INFO => {}
            _ => {
                return Err(bad(
                    "signed attributes",
                    "contentType is missing or not TSTInfo",
                ));
            }
        }
        let md = message_digest
            .filter(|t| t.tag == OCTET_STRING)
            .ok_or_else(|| bad("signed attributes", "no messageDigest"))?;
        if md.body != digest_hash.digest(self.tst_der).as_slice() {
            return Err(untrusted(
                "the signed messageDigest does not match the TSTInfo (the token was altered)"
                    .into(),
            ));
        }
        let cert = match (self.signer_cert(), trusted) {
            (Some(c), _) => c,
            (None, None) => return Ok(()), // nothing to check the signature with
            (None, Some(_)) => {
                return Err(untrusted(
                    "the token does not carry its signer's certificate".into(),
                ));
            }
        };
        if let Some(essv2) = signing_cert_v2 {
            check_ess_cert_v2(&essv2, cert)?;
        }
        // The signature is over the DER of the attributes as a SET (tag 0x31, not [0]).
        let mut signed = signer.signed_attrs.raw.to_vec();
        signed[0] = SET;
        let hash = Hash::from_signature_oid(signer.sig_alg).unwrap_or(digest_hash);
        cert.key()?
            .verify(signer.sig_alg, hash, &signed, signer.signature)
            .map_err(|e| untrusted(format!("the TSA's signature does not verify: {e}")))?;
        let Some(cas) = trusted else {
            return Ok(());
        };
        // The signing certificate: issued by a trusted CA, valid at genTime, time-stamping only.
        let issuer = cas
            .iter()
            .filter(|ca| ca.subject == cert.issuer)
            .find(|ca| {
                ca.key().is_ok_and(|k| {
                    Hash::from_signature_oid(cert.sig_alg).is_some_and(|h| {
                        k.verify(cert.sig_alg, h, cert.tbs, cert.signature).is_ok()
                    })
                })
            });
        if issuer.is_none() {
            return Err(untrusted(
                "the TSA's certificate is not issued by the trusted CA".into(),
            ));
        }
        let gen_ts = self.tst.gen_ts;
        if gen_ts < cert.not_before || gen_ts > cert.not_after {
            return Err(untrusted(format!(
                "genTime {} is outside the TSA certificate's validity",
                self.tst.gen_time
            )));
        }
        match &cert.eku {
            Some((true, purposes)) if purposes.as_slice() == [OID_KP_TIME_STAMPING] => Ok(()),
            Some((false, _)) => Err(untrusted(
                "the TSA certificate's extendedKeyUsage is not critical".into(),
            )),
            Some(_) => Err(untrusted(
                "the TSA certificate's extendedKeyUsage is not timeStamping alone".into(),
            )),
            None => Err(untrusted(
                "the TSA certificate has no extendedKeyUsage timeStamping".into(),
            )),
        }
    }
}

fn parse_tst_info(der: &[u8]) -> Result<TstInfo<'_>> {
    let what = "TSTInfo";
    let t = whole(der, SEQUENCE, what)?;
    let mut d = inner(&t);
    if small_integer(&d.take(INTEGER, "TSTInfo version")?, what)? != 1 {
        return Err(bad(what, "version is not 1"));
    }
    d.take(OID, "policy")?;
    let mi = d.take(SEQUENCE, "messageImprint")?;
    let mut m = inner(&mi);
    let imprint_alg = plain_algorithm(&m.take(SEQUENCE, "hashAlgorithm")?, "hashAlgorithm")?;
    let imprint = m.take(OCTET_STRING, "hashedMessage")?.body;
    m.finish("messageImprint")?;
    integer(&d.take(INTEGER, "serialNumber")?, "serialNumber")?;
    let (gen_time, gen_ts) = der_time(&d.take(GENERALIZED_TIME, "genTime")?, "genTime")?;
    d.optional(SEQUENCE, "accuracy")?;
    d.optional(BOOLEAN, "ordering")?;
    let nonce = match d.optional(INTEGER, "nonce")? {
        Some(n) => Some(integer(&n, "nonce")?),
        None => None,
    };
    d.optional(0xA0, "tsa")?;
    d.optional(0xA1, "extensions")?;
    d.finish(what)?;
    Ok(TstInfo {
        imprint_alg,
        imprint,
        nonce,
        gen_time,
        gen_ts,
    })
}

fn parse_signer_info<'a>(t: &Tlv<'a>) -> Result<SignerInfo<'a>> {
    let what = "SignerInfo";
    let mut d = inner(t);
    let version = small_integer(&d.take(INTEGER, "SignerInfo version")?, what)?;
    let sid_t = d.any("sid")?;
    let sid = match (version, sid_t.tag) {
        (1, SEQUENCE) => {
            let mut s = inner(&sid_t);
            let issuer = s.take(SEQUENCE, "issuer")?.raw;
            let serial = integer(&s.take(INTEGER, "serialNumber")?, "serialNumber")?;
            s.finish("issuerAndSerialNumber")?;
            SignerId::IssuerSerial { issuer, serial }
        }
        (3, 0x80) => SignerId::KeyId(sid_t.body),
        _ => return Err(bad(what, "version and signer identifier disagree")),
    };
    let digest_alg = plain_algorithm(&d.take(SEQUENCE, "digestAlgorithm")?, "digestAlgorithm")?;
    let signed_attrs = d
        .optional(0xA0, "signedAttrs")?
        .ok_or_else(|| bad(what, "no signed attributes"))?;
    let sig_alg = plain_algorithm(
        &d.take(SEQUENCE, "signatureAlgorithm")?,
        "signatureAlgorithm",
    )?;
    let signature = d.take(OCTET_STRING, "signature")?.body;
    d.optional(0xA1, "unsignedAttrs")?;
    d.finish(what)?;
    Ok(SignerInfo {
        sid,
        digest_alg,
        signed_attrs,
        sig_alg,
        signature,
    })
}

/// ESS signingCertificateV2 (RFC 5035): the first ESSCertIDv2 must hash to the signer's cert.
fn check_ess_cert_v2(value: &Tlv<'_>, cert: &Cert<'_>) -> Result<()> {
    let what = "signingCertificateV2";
    if value.tag != SEQUENCE {
        return Err(bad(what, "not a SEQUENCE"));
    }
    let mut d = inner(value);
    let ids = d.take(SEQUENCE, what)?;
    let mut i = inner(&ids);
    let first = i.take(SEQUENCE, "ESSCertIDv2")?;
    let mut f = inner(&first);
    let hash = match f.optional(SEQUENCE, "hashAlgorithm")? {
        Some(alg) => Hash::from_digest_oid(plain_algorithm(&alg, "hashAlgorithm")?)
            .ok_or_else(|| TsaError::Unsupported("ESSCertIDv2 hash algorithm".into()))?,
        None => Hash::Sha256,
    };
    let cert_hash = f.take(OCTET_STRING, "certHash")?.body;
    if cert_hash != hash.digest(cert.raw).as_slice() {
        return Err(TsaError::Untrusted(
            "signingCertificateV2 names a different certificate than the one that signed".into(),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// X.509 certificates and keys.

struct Cert<'a> {
    raw: &'a [u8],
    tbs: &'a [u8],
    sig_alg: &'a [u8],
    signature: &'a [u8],
    serial: &'a [u8],
    issuer: &'a [u8],
    subject: &'a [u8],
    spki_alg: &'a [u8],
    spki_params: Option<Tlv<'a>>,
    spki_key: &'a [u8],
    not_before: jiff::Timestamp,
    not_after: jiff::Timestamp,
    /// extendedKeyUsage: (critical, key purposes).
    eku: Option<(bool, Vec<&'a [u8]>)>,
    subject_key_id: Option<&'a [u8]>,
}

impl<'a> Cert<'a> {
    fn parse(raw: &'a [u8]) -> Result<Self> {
        let what = "certificate";
        let c = whole(raw, SEQUENCE, what)?;
        let mut d = inner(&c);
        let tbs_t = d.take(SEQUENCE, "tbsCertificate")?;
        let outer_alg = d.take(SEQUENCE, "signatureAlgorithm")?;
        let sig_alg = plain_algorithm(&outer_alg, "signatureAlgorithm")?;
        let signature = bit_string(&d.take(BIT_STRING, "signatureValue")?, "signatureValue")?;
        d.finish(what)?;
        let mut t = inner(&tbs_t);
        t.optional(0xA0, "version")?;
        let serial = integer(&t.take(INTEGER, "serialNumber")?, "serialNumber")?;
        let inner_alg = t.take(SEQUENCE, "signature")?;
        if inner_alg.raw != outer_alg.raw {
            return Err(bad(what, "the two signature algorithms differ"));
        }
        let issuer = t.take(SEQUENCE, "issuer")?.raw;
        let validity = t.take(SEQUENCE, "validity")?;
        let mut v = inner(&validity);
        let (_, not_before) = der_time(&v.any("notBefore")?, "notBefore")?;
        let (_, not_after) = der_time(&v.any("notAfter")?, "notAfter")?;
        v.finish("validity")?;
        let subject = t.take(SEQUENCE, "subject")?.raw;
        let spki = t.take(SEQUENCE, "subjectPublicKeyInfo")?;
        let mut s = inner(&spki);
        let (spki_alg, spki_params) = algorithm(&s.take(SEQUENCE, "algorithm")?, "algorithm")?;
        let spki_key = bit_string(&s.take(BIT_STRING, "subjectPublicKey")?, "subjectPublicKey")?;
        s.finish("subjectPublicKeyInfo")?;
        t.optional(0x81, "issuerUniqueID")?;
        t.optional(0x82, "subjectUniqueID")?;
        let mut eku = None;
        let mut subject_key_id = None;
        if let Some(exts) = t.optional(0xA3, "extensions")? {
            let seq = whole(exts.body, SEQUENCE, "extensions")?;
            let mut e = inner(&seq);
            while e.peek().is_some() {
                let ext = e.take(SEQUENCE, "extension")?;
                let mut x = inner(&ext);
                let oid = x.take(OID, "extnID")?.body;
                let critical = match x.optional(BOOLEAN, "critical")? {
                    Some(b) if b.body == [0xFF] => true,
                    Some(b) if b.body == [0x00] => false,
                    Some(_) => return Err(bad("extension", "bad BOOLEAN")),
                    None => false,
                };
                let value = x.take(OCTET_STRING, "extnValue")?.body;
                x.finish("extension")?;
                if oid == OID_EXT_KEY_USAGE {
                    let seq = whole(value, SEQUENCE, "extendedKeyUsage")?;
                    let mut p = inner(&seq);
                    let mut purposes = Vec::new();
                    while p.peek().is_some() {
                        purposes.push(p.take(OID, "KeyPurposeId")?.body);
                    }
                    if eku.replace((critical, purposes)).is_some() {
                        return Err(bad(what, "two extendedKeyUsage extensions"));
                    }
                } else if oid == [0x55, 0x1D, 0x0E] {
                    subject_key_id = Some(whole(value, OCTET_STRING, "subjectKeyIdentifier")?.body);
                }
            }
        }
        t.finish("tbsCertificate")?;
        Ok(Cert {
            raw,
            tbs: tbs_t.raw,
            sig_alg,
            signature,
            serial,
            issuer,
            subject,
            spki_alg,
            spki_params,
            spki_key,
            not_before,
            not_after,
            eku,
            subject_key_id,
        })
    }

    fn key(&self) -> Result<PublicKey> {
        if self.spki_alg == OID_RSA {
            use rsa::pkcs1::DecodeRsaPublicKey;
            let k = rsa::PublicKey::from_pkcs1_der(self.spki_key)
                .map_err(|e| bad("RSA public key", &e.to_string()))?;
            return Ok(PublicKey::Rsa(k));
        }
        if self.spki_alg == OID_EC_PUBLIC_KEY {
            match self.spki_params {
                Some(p) if p.tag == OID && p.body == OID_P256 => {
                    let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(self.spki_key)
                        .map_err(|e| bad("P-256 public key", &e.to_string()))?;
                    return Ok(PublicKey::P256(k));
                }
                _ => {
                    return Err(TsaError::Unsupported("EC keys other than P-256".into()));
                }
            }
        }
        Err(TsaError::Unsupported(
            "public keys other than RSA and ECDSA P-256".into(),
        ))
    }
}

#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_digest_oid(oid: &[u8]) -> Option<Self> {
        match oid {
            OID_SHA256 => Some(Hash::Sha256),
            OID_SHA384 => Some(Hash::Sha384),
            OID_SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn from_signature_oid(oid: &[u8]) -> Option<Self> {
        match oid {
            OID_RSA_SHA256 | OID_ECDSA_SHA256 => Some(Hash::Sha256),
            OID_RSA_SHA384 | OID_ECDSA_SHA384 => Some(Hash::Sha384),
            OID_RSA_SHA512 | OID_ECDSA_SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
            Hash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

enum PublicKey {
    Rsa(rsa::PublicKey),
    P256(p256::ecdsa::VerifyingKey),
}

impl PublicKey {
    /// Verifies `sig` over `msg`: `sig_alg` must fit the key (rsaEncryption or
    /// sha*WithRSAEncryption for RSA, ecdsa-with-SHA* for P-256).
    fn verify(&self, sig_alg: &[u8], hash: Hash, msg: &[u8], sig: &[u8]) -> Result<(), String> {
        let hashed = hash.digest(msg);
        match self {
            PublicKey::Rsa(k) => {
                if !matches!(
                    sig_alg,
                    OID_RSA | OID_RSA_SHA256 | OID_RSA_SHA384 | OID_RSA_SHA512
                ) {
                    return Err("signature algorithm does not fit an RSA key".into());
                }
                let scheme = match hash {
                    Hash::Sha256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                    Hash::Sha384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                    Hash::Sha512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
                };
                k.verify(scheme, &hashed, sig).map_err(|e| e.to_string())
            }
            PublicKey::P256(k) => {
                use p256::ecdsa::signature::hazmat::PrehashVerifier;
                if !matches!(
                    sig_alg,
                    OID_ECDSA_SHA256 | OID_ECDSA_SHA384 | OID_ECDSA_SHA512
                ) {
                    return Err("signature algorithm does not fit a P-256 key".into());
                }
                let sig = ecdsa_signature(sig).ok_or("malformed ECDSA signature")?;
                k.verify_prehash(&hashed, &sig).map_err(|e| e.to_string())
            }
        }
    }
}

/// ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } → fixed 64-byte r||s.
fn ecdsa_signature(der: &[u8]) -> Option<p256::ecdsa::Signature> {
    let seq = whole(der, SEQUENCE, "ECDSA signature").ok()?;
    let mut d = inner(&seq);
    let mut fixed = [0u8; 64];
    for half in fixed.chunks_mut(32) {
        let n = integer(&d.take(INTEGER, "r/s").ok()?, "r/s").ok()?;
        let n = n.strip_prefix(&[0]).unwrap_or(n);
        if n.len() > 32 {
            return None;
        }
        half[32 - n.len()..].copy_from_slice(n);
    }
    d.finish("ECDSA signature").ok()?;
    p256::ecdsa::Signature::from_slice(&fixed).ok()
}

/// The DER of each certificate in a PEM bundle.
fn pem_certificates(pem: &str) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut rest = pem;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let end = after
            .find(END)
            .ok_or_else(|| bad("trusted CA PEM", "BEGIN CERTIFICATE without END"))?;
        let der =
            base64_decode(&after[..end]).ok_or_else(|| bad("trusted CA PEM", "invalid base64"))?;
        out.push(der);
        rest = &after[end + END.len()..];
    }
    Ok(out)
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    let mut pad = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                pad += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return None,
        };
        if pad > 0 {
            return None;
        }
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (pad <= 2).then_some(out)
}
