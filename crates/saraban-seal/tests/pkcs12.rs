//! `SigningIdentity::from_pkcs12` against files OpenSSL made: OpenSSL is the
//! oracle for the MAC, the PBES2 and legacy decryption, and the bags.
//!
//! Needs the `openssl` command (Debian: `apt-get install openssl`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::{FixedOffset, TimeZone, Utc};
use der::Encode;
use saraban_core::{Syntax, read_document};
use saraban_seal::{
    Certificate, Pkcs12Error, SealDetails, SigningIdentity, certificates_from_pem, check, seal,
};
use saraban_typeset::Typesetter;

const PASSWORD: &str = "S3cret-ทดสอบ";
/// The same with one character changed.
const WRONG_PASSWORD: &str = "S3cret-ทดสอบx";

/// The files made once for every test.
struct Fixtures {
    dir: PathBuf,
}

impl Fixtures {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    fn certificate(&self, name: &str) -> Certificate {
        let pem = std::fs::read_to_string(self.path(name)).unwrap();
        certificates_from_pem(&pem).unwrap().remove(0)
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "these tests need the `openssl` command ({e}); install it \
                 (Debian/Ubuntu: `apt-get install openssl`)"
            )
        });
    assert!(
        output.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A P-256 key in `name`.
fn ec_key(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            name,
        ],
    );
}

/// A self-signed CA certificate `cert` for `key`.
fn root(dir: &Path, key: &str, cert: &str, cn: &str) {
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            key,
            "-out",
            cert,
            "-days",
            "30",
            "-subj",
            &format!("/O=Test/CN={cn}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A certificate `cert` for `key`, issued by `ca_cert`/`ca_key` with the
/// extensions of section `section` of ext.cnf.
fn issue(dir: &Path, key: &str, cert: &str, cn: &str, ca: (&str, &str), section: &str) {
    let csr = format!("{cert}.csr");
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            key,
            "-out",
            &csr,
            "-subj",
            &format!("/O=Test/CN={cn}"),
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            ca.0,
            "-CAkey",
            ca.1,
            "-CAcreateserial",
            "-out",
            cert,
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
            "-extensions",
            section,
        ],
    );
}

fn export(dir: &Path, out: &str, extra: &[&str]) {
    let passout = format!("pass:{PASSWORD}");
    let mut args = vec!["pkcs12", "-export", "-out", out, "-passout", &passout];
    args.extend_from_slice(extra);
    openssl(dir, &args);
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        // Under the target directory (cargo's scratch space for tests), one
        // folder per run: test keys only.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("saraban-pkcs12-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.as_path();
        write(
            d,
            "ext.cnf",
            "[signer]\nbasicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,nonRepudiation\n\
             [intermediate]\nbasicConstraints=critical,CA:TRUE\n\
             keyUsage=critical,keyCertSign,cRLSign\n",
        );
        // A CA, a signing certificate it issued, and a certificate that
        // has nothing to do with them.
        ec_key(d, "ca.key");
        root(d, "ca.key", "ca.pem", "Test Root CA");
        ec_key(d, "leaf.key");
        issue(
            d,
            "leaf.key",
            "leaf.pem",
            "Test Signer",
            ("ca.pem", "ca.key"),
            "signer",
        );
        ec_key(d, "other.key");
        root(d, "other.key", "other.pem", "Unrelated CA");
        let other_then_ca = [
            std::fs::read_to_string(d.join("other.pem")).unwrap(),
            std::fs::read_to_string(d.join("ca.pem")).unwrap(),
        ]
        .concat();
        write(d, "other-then-ca.pem", &other_then_ca);

        // OpenSSL 3's defaults: PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC),
        // HMAC-SHA-256 MAC.
        export(
            d,
            "default.p12",
            &[
                "-inkey",
                "leaf.key",
                "-in",
                "leaf.pem",
                "-certfile",
                "other-then-ca.pem",
            ],
        );
        export(
            d,
            "legacy.p12",
            &[
                "-legacy",
                "-inkey",
                "leaf.key",
                "-in",
                "leaf.pem",
                "-certfile",
                "ca.pem",
            ],
        );
        export(
            d,
            "nokey.p12",
            &["-nokeys", "-in", "leaf.pem", "-certfile", "ca.pem"],
        );
        export(d, "nocert.p12", &["-nocerts", "-inkey", "leaf.key"]);
        // No MAC: the password is checked by the decryption alone.
        export(
            d,
            "nomac.p12",
            &[
                "-nomac",
                "-inkey",
                "leaf.key",
                "-in",
                "leaf.pem",
                "-certfile",
                "ca.pem",
            ],
        );
        // Other PBES2 ciphers and MAC hashes OpenSSL offers.
        export(
            d,
            "variants.p12",
            &[
                "-inkey",
                "leaf.key",
                "-in",
                "leaf.pem",
                "-certfile",
                "ca.pem",
                "-keypbe",
                "AES-128-CBC",
                "-certpbe",
                "DES-EDE3-CBC",
                "-macalg",
                "sha512",
            ],
        );
        // An empty password.
        openssl(
            d,
            &[
                "pkcs12",
                "-export",
                "-out",
                "empty.p12",
                "-passout",
                "pass:",
                "-inkey",
                "leaf.key",
                "-in",
                "leaf.pem",
                "-certfile",
                "ca.pem",
            ],
        );

        // An RSA signer.
        openssl(
            d,
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                "rsa.key",
            ],
        );
        issue(
            d,
            "rsa.key",
            "rsa.pem",
            "RSA Signer",
            ("ca.pem", "ca.key"),
            "signer",
        );
        export(
            d,
            "rsa.p12",
            &["-inkey", "rsa.key", "-in", "rsa.pem", "-certfile", "ca.pem"],
        );

        // Root, intermediate, signer, given in a jumbled order.
        ec_key(d, "inter.key");
        issue(
            d,
            "inter.key",
            "inter.pem",
            "Test Intermediate CA",
            ("ca.pem", "ca.key"),
            "intermediate",
        );
        ec_key(d, "deep.key");
        issue(
            d,
            "deep.key",
            "deep.pem",
            "Deep Signer",
            ("inter.pem", "inter.key"),
            "signer",
        );
        let jumbled = ["ca.pem", "other.pem", "inter.pem"]
            .map(|name| std::fs::read_to_string(d.join(name)).unwrap())
            .concat();
        write(d, "jumbled.pem", &jumbled);
        export(
            d,
            "deep.p12",
            &[
                "-inkey",
                "deep.key",
                "-in",
                "deep.pem",
                "-certfile",
                "jumbled.pem",
            ],
        );
        Fixtures { dir }
    })
}

fn memo_pdf() -> Vec<u8> {
    let path = format!(
        "{}/../../examples/ita-report-2568.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let document = read_document(&text, Syntax::of_path(path.as_ref())).unwrap();
    Typesetter::default()
        .typeset(&document, None)
        .unwrap()
        .pdf()
        .unwrap()
}

fn der(certificate: &Certificate) -> Vec<u8> {
    certificate.to_der().unwrap()
}

fn assert_chain(identity: &SigningIdentity, expected: &[Certificate]) {
    let got: Vec<Vec<u8>> = identity.chain().iter().map(der).collect();
    let want: Vec<Vec<u8>> = expected.iter().map(der).collect();
    assert_eq!(got, want, "the chain, signer first");
}

#[test]
fn openssl_default_file_opens_and_seals() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("default.p12"), PASSWORD).unwrap();
    let (leaf, ca) = (f.certificate("leaf.pem"), f.certificate("ca.pem"));
    assert_eq!(der(identity.certificate()), der(&leaf));
    // The unrelated certificate is left out.
    assert_chain(&identity, &[leaf, ca.clone()]);

    let bangkok = FixedOffset::east_opt(7 * 3600).unwrap();
    let details = SealDetails {
        name: "Test Signer".into(),
        reason: "ออกหนังสือราชการ".into(),
        location: None,
        contact_info: "VRFY-TEST-P12X".into(),
        signed_at: bangkok.from_utc_datetime(&Utc::now().naive_utc()),
    };
    let sealed = seal(&memo_pdf(), &identity, &details).unwrap();
    let reports = check(&sealed, &[ca]).unwrap();
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].seals_whole_file(),
        "the seal made with the PKCS#12 identity holds: {:?}",
        reports[0].verdict
    );
    assert_eq!(reports[0].signer_cn.as_deref(), Some("Test Signer"));
}

#[test]
fn wrong_password_is_told() {
    let f = fixtures();
    for file in ["default.p12", "legacy.p12", "nomac.p12"] {
        let error = SigningIdentity::from_pkcs12(&f.read(file), WRONG_PASSWORD).unwrap_err();
        assert_eq!(error, Pkcs12Error::WrongPassword, "{file}");
        let message = error.to_string();
        assert!(!message.contains(WRONG_PASSWORD) && !message.contains("S3cret"));
    }
    let error = SigningIdentity::from_pkcs12(&f.read("default.p12"), "").unwrap_err();
    assert_eq!(error, Pkcs12Error::WrongPassword);
}

#[test]
fn legacy_file_opens() {
    // `-legacy`: pbeWithSHAAnd40BitRC2-CBC for the certificates,
    // pbeWithSHAAnd3-KeyTripleDES-CBC for the key, an HMAC-SHA-1 MAC.
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("legacy.p12"), PASSWORD).unwrap();
    assert_chain(
        &identity,
        &[f.certificate("leaf.pem"), f.certificate("ca.pem")],
    );
}

#[test]
fn file_without_mac_opens() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("nomac.p12"), PASSWORD).unwrap();
    assert_chain(
        &identity,
        &[f.certificate("leaf.pem"), f.certificate("ca.pem")],
    );
}

#[test]
fn other_ciphers_and_mac_hashes_open() {
    // PBES2 with AES-128-CBC for the key and DES-EDE3-CBC for the
    // certificates, an HMAC-SHA-512 MAC.
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("variants.p12"), PASSWORD).unwrap();
    assert_chain(
        &identity,
        &[f.certificate("leaf.pem"), f.certificate("ca.pem")],
    );
}

#[test]
fn empty_password_opens() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("empty.p12"), "").unwrap();
    assert_chain(
        &identity,
        &[f.certificate("leaf.pem"), f.certificate("ca.pem")],
    );
    let error = SigningIdentity::from_pkcs12(&f.read("empty.p12"), PASSWORD).unwrap_err();
    assert_eq!(error, Pkcs12Error::WrongPassword);
}

#[test]
fn chain_is_ordered_by_issuer() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("deep.p12"), PASSWORD).unwrap();
    assert_chain(
        &identity,
        &[
            f.certificate("deep.pem"),
            f.certificate("inter.pem"),
            f.certificate("ca.pem"),
        ],
    );
}

#[test]
fn rsa_key_is_not_p256() {
    let f = fixtures();
    let error = SigningIdentity::from_pkcs12(&f.read("rsa.p12"), PASSWORD).unwrap_err();
    assert_eq!(error, Pkcs12Error::NotP256);
    assert!(error.to_string().contains("P-256"), "{error}");
}

#[test]
fn not_pkcs12_at_all() {
    let f = fixtures();
    let mut random = [0u8; 512];
    getrandom::fill(&mut random).unwrap();
    for bytes in [
        random.to_vec(),
        f.read("leaf.pem"),
        der(&f.certificate("leaf.pem")),
        Vec::new(),
    ] {
        let error = SigningIdentity::from_pkcs12(&bytes, PASSWORD).unwrap_err();
        assert_eq!(error, Pkcs12Error::NotPkcs12);
    }
    // Cut short.
    let file = f.read("default.p12");
    let error = SigningIdentity::from_pkcs12(&file[..file.len() / 2], PASSWORD).unwrap_err();
    assert_eq!(error, Pkcs12Error::NotPkcs12);
}

#[test]
fn certificate_only_file_has_no_key() {
    let f = fixtures();
    let error = SigningIdentity::from_pkcs12(&f.read("nokey.p12"), PASSWORD).unwrap_err();
    assert_eq!(error, Pkcs12Error::NoKey);
}

#[test]
fn key_only_file_has_no_certificate() {
    let f = fixtures();
    let error = SigningIdentity::from_pkcs12(&f.read("nocert.p12"), PASSWORD).unwrap_err();
    assert_eq!(error, Pkcs12Error::NoCertificate);
}
