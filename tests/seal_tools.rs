//! What the seal tests share: real typeset PDFs, an identity, the outside
//! validators (poppler's pdfsig, qpdf, pyHanko), a timestamp authority
//! (OpenSSL's `ts -reply` behind a loopback HTTP server) and scratch
//! folders.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use chrono::{FixedOffset, TimeZone, Utc};
use saraban_core::{Syntax, read_document};
use saraban_seal::timestamp::RESPONSE_MEDIA_TYPE;
use saraban_seal::{
    CaIdentity, Certificate, SealDetails, SigningIdentity, certificates_from_pem, self_issued,
};
use saraban_typeset::Typesetter;

pub const ORG_NAME: &str = "องค์การบริหารส่วนตำบลวังกระแจะ";
pub const SIGNER_NAME: &str = "องค์การบริหารส่วนตำบลวังกระแจะ — นายกนก ใจรักษ์";

/// `examples/<name>` typeset to PDF/A, as saraban issues it.
pub fn typeset_example(name: &str) -> Vec<u8> {
    let path = format!("{}/../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let document = read_document(&text, Syntax::of_path(path.as_ref())).unwrap();
    Typesetter::default()
        .typeset(&document, None)
        .unwrap()
        .pdf()
        .unwrap()
}

pub fn identity() -> (CaIdentity, SigningIdentity) {
    self_issued(ORG_NAME, "wangkrachae", Utc::now()).unwrap()
}

pub fn details() -> SealDetails {
    let bangkok = FixedOffset::east_opt(7 * 3600).unwrap();
    SealDetails {
        name: SIGNER_NAME.into(),
        reason: "ออกหนังสือราชการ".into(),
        location: Some("อำเภอเมืองระยอง จังหวัดระยอง".into()),
        contact_info: "VRFY-7K2M-Q9XD".into(),
        signed_at: bangkok.from_utc_datetime(&Utc::now().naive_utc()),
    }
}

/// A fresh folder under the system's temporary folder.
pub fn scratch(label: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "saraban-seal-{label}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run a tool the test needs; missing, it fails the test saying how to
/// install it, never skips.
pub fn run(program: &str, args: &[&str], install: &str) -> Output {
    match Command::new(program).args(args).output() {
        Ok(output) => output,
        Err(e) => panic!("cannot run {program} ({e}): install it with `{install}`"),
    }
}

pub fn pdfsig(file: &Path) -> (bool, String) {
    let output = run(
        "pdfsig",
        &[file.to_str().unwrap()],
        "apt-get install poppler-utils",
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// pyHanko's validation with `trust` as the only root; its exit status and
/// its report: one line (`Signature1:<fingerprint>:INTACT:TRUSTED,…`), or
/// the long form if `pretty`.
pub fn pyhanko_validate(file: &Path, trust: &Path, pretty: bool) -> (bool, String) {
    let probe = run(
        "python3",
        &["-c", "import pyhanko.cli"],
        "pip3 install pyhanko pyhanko-cli",
    );
    assert!(
        probe.status.success(),
        "pyHanko is missing: install it with `pip3 install pyhanko pyhanko-cli`"
    );
    let mut args = vec!["-m", "pyhanko", "sign", "validate"];
    if pretty {
        args.push("--pretty-print");
    }
    args.extend([
        "--no-revocation-check",
        "--trust-replace",
        "--trust",
        trust.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    let output = run("python3", &args, "pip3 install pyhanko pyhanko-cli");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// The XMP packet's pdfaid part and conformance, as written.
pub fn pdfa_identification(pdf: &[u8]) -> Option<(String, String)> {
    let text = String::from_utf8_lossy(pdf);
    let between = |open: &str, close: &str| -> Option<String> {
        let start = text.find(open)? + open.len();
        let end = start + text[start..].find(close)?;
        Some(text[start..end].to_string())
    };
    Some((
        between("<pdfaid:part>", "</pdfaid:part>")?,
        between("<pdfaid:conformance>", "</pdfaid:conformance>")?,
    ))
}

/// The kind of key a test CA, its certificates and a test TSA have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// ECDSA P-256.
    P256,
    /// RSA of this many bits, as Thai CAs commonly issue.
    Rsa(u32),
}

impl KeyKind {
    /// `openssl req` options for a new key of this kind, unencrypted.
    pub fn newkey(self) -> Vec<String> {
        let mut args: Vec<String> = match self {
            KeyKind::P256 => ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
                .map(String::from)
                .to_vec(),
            KeyKind::Rsa(bits) => vec!["-newkey".into(), format!("rsa:{bits}")],
        };
        args.push("-nodes".into());
        args
    }
}

/// A throwaway TSA: its root, and its certificate with
/// extendedKeyUsage critical timeStamping, both P-256 (or of the
/// [`make_authority_with`] kind).
#[derive(Debug)]
pub struct Authority {
    pub dir: PathBuf,
    pub root: Certificate,
}

pub fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl ({e}): apt-get install openssl"));
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub fn make_authority() -> Authority {
    make_authority_with(KeyKind::P256)
}

/// [`make_authority`] with keys of `kind`: an RSA TSA signs its tokens
/// with RSA (OpenSSL names the SignerInfo's algorithm rsaEncryption).
pub fn make_authority_with(kind: KeyKind) -> Authority {
    let dir = scratch("tsa");
    let newkey = kind.newkey();
    let newkey: Vec<&str> = newkey.iter().map(String::as_str).collect();
    let mut root = vec!["req", "-x509"];
    root.extend(&newkey);
    root.extend([
        "-keyout",
        "root.key",
        "-out",
        "root.pem",
        "-days",
        "30",
        "-subj",
        "/CN=Test TSA Root",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&dir, &root);
    let mut request = vec!["req", "-new"];
    request.extend(&newkey);
    request.extend([
        "-keyout",
        "tsa.key",
        "-out",
        "tsa.csr",
        "-subj",
        "/CN=Test TSA",
    ]);
    openssl(&dir, &request);
    std::fs::write(
        dir.join("tsa.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n",
    )
    .unwrap();
    openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-out",
            "tsa.pem",
            "-days",
            "30",
            "-extfile",
            "tsa.ext",
        ],
    );
    std::fs::write(dir.join("serial"), "01\n").unwrap();
    std::fs::write(
        dir.join("tsa.cnf"),
        format!(
            "[ tsa ]\ndefault_tsa = test_tsa\n\n[ test_tsa ]\ndir = {}\nserial = $dir/serial\n\
             crypto_device = builtin\nsigner_cert = $dir/tsa.pem\nsigner_key = $dir/tsa.key\n\
             signer_digest = sha256\ndefault_policy = 1.3.6.1.4.1.99999.1\ndigests = sha256\n\
             accuracy = secs:1\nordering = no\ntsa_name = yes\ness_cert_id_chain = no\n\
             ess_cert_id_alg = sha256\n",
            dir.display()
        ),
    )
    .unwrap();
    let root = certificates_from_pem(&std::fs::read_to_string(dir.join("root.pem")).unwrap())
        .unwrap()
        .remove(0);
    Authority { dir, root }
}

/// An HTTP server on loopback answering `requests` POSTs, each body piped
/// through `openssl ts -reply`.
pub fn serve(authority_dir: PathBuf, requests: usize) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/tsa", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for _ in 0..requests {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(value) = lower.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut query = vec![0u8; length];
            reader.read_exact(&mut query).unwrap();
            let reply = reply(&authority_dir, &query);
            let mut stream = reader.into_inner();
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: {RESPONSE_MEDIA_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reply.len()
            )
            .unwrap();
            stream.write_all(&reply).unwrap();
        }
    });
    (url, handle)
}

/// The authority in `dir` answers `query` (a DER TimeStampReq) as OpenSSL's
/// `ts -reply` does: the DER TimeStampResp.
pub fn reply(dir: &Path, query: &[u8]) -> Vec<u8> {
    std::fs::write(dir.join("query.tsq"), query).unwrap();
    openssl(
        dir,
        &[
            "ts",
            "-reply",
            "-queryfile",
            "query.tsq",
            "-config",
            "tsa.cnf",
            "-out",
            "reply.tsr",
        ],
    );
    std::fs::read(dir.join("reply.tsr")).unwrap()
}

/// pyHanko's long report says the signature carries a timestamp token it
/// checked, from an authority it trusts.
pub fn assert_pyhanko_timestamp(report: &str) {
    for expected in [
        "Signature timestamp token:",
        "The timestamp token is cryptographically sound.",
        "The TSA certificate is trusted.",
    ] {
        assert!(
            report.contains(expected),
            "pyHanko lacks {expected:?}:\n{report}"
        );
    }
}

/// A CA and a certificate it issued to the organisation, P-256, with the
/// key as PKCS#8 PEM: what a real CA hands over.
pub fn real_ca(dir: &Path) {
    real_ca_with(dir, KeyKind::P256);
}

/// [`real_ca`] with keys of `kind`: for RSA, an RSA CA that signs with
/// sha256WithRSAEncryption, as Thai CAs do.
pub fn real_ca_with(dir: &Path, kind: KeyKind) {
    let newkey = kind.newkey();
    let newkey: Vec<&str> = newkey.iter().map(String::as_str).collect();
    let mut root = vec!["req", "-x509"];
    root.extend(&newkey);
    root.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "3650",
        "-subj",
        "/CN=Test Thai CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(dir, &root);
    let mut request = vec!["req", "-new"];
    request.extend(&newkey);
    request.extend([
        "-keyout",
        "org.key",
        "-out",
        "org.csr",
        "-subj",
        "/CN=Wang Krachae SAO",
    ]);
    openssl(dir, &request);
    std::fs::write(
        dir.join("org.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "org.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "org.pem",
            "-days",
            "730",
            "-extfile",
            "org.ext",
        ],
    );
    let chain = std::fs::read_to_string(dir.join("org.pem")).unwrap()
        + &std::fs::read_to_string(dir.join("ca.pem")).unwrap();
    std::fs::write(dir.join("chain.pem"), chain).unwrap();
}
