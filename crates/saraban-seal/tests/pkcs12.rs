//! `SigningIdentity::from_pkcs12` against files OpenSSL made: OpenSSL is the
//! oracle for the MAC, the PBES2 and legacy decryption, and the bags; and
//! for RSA: keys and chains as a CA that issues RSA hands them over, sealed
//! and checked, with an RSA timestamp authority's token too.
//!
//! Needs the `openssl` command (Debian: `apt-get install openssl`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::{FixedOffset, TimeZone, Utc};
use der::Encode;
use saraban_core::{Syntax, read_document};
use saraban_seal::timestamp::TimestampRequest;
use saraban_seal::{
    Certificate, Failure, Pkcs12Error, SealDetails, SigningIdentity, Verdict,
    certificates_from_pem, check, contents_capacity, prepare, seal,
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

/// An RSA key of `bits` bits in `name`.
fn rsa_key(dir: &Path, name: &str, bits: u32) {
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &format!("rsa_keygen_bits:{bits}"),
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
    issue_with_digest(dir, key, cert, cn, ca, section, "sha256");
}

/// [`issue`], the CA signing with `digest` (sha256, sha384, sha512).
fn issue_with_digest(
    dir: &Path,
    key: &str,
    cert: &str,
    cn: &str,
    ca: (&str, &str),
    section: &str,
    digest: &str,
) {
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
            &format!("-{digest}"),
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
             keyUsage=critical,keyCertSign,cRLSign\n\
             [tsa]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=critical,timeStamping\n",
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

        // An RSA-2048 signer under the P-256 CA (a mixed chain).
        rsa_key(d, "rsa.key", 2048);
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

        // All RSA, as Thai CAs issue: an RSA-3072 root, and an RSA-3072
        // signer it issued (sha256WithRSAEncryption).
        rsa_key(d, "rsa-ca.key", 3072);
        root(d, "rsa-ca.key", "rsa-ca.pem", "Test RSA Root CA");
        rsa_key(d, "rsa-signer.key", 3072);
        issue(
            d,
            "rsa-signer.key",
            "rsa-signer.pem",
            "RSA Chain Signer",
            ("rsa-ca.pem", "rsa-ca.key"),
            "signer",
        );
        export(
            d,
            "rsa-chain.p12",
            &[
                "-inkey",
                "rsa-signer.key",
                "-in",
                "rsa-signer.pem",
                "-certfile",
                "rsa-ca.pem",
            ],
        );
        // The largest key a CA hands out, its certificate signed with
        // sha512WithRSAEncryption.
        rsa_key(d, "rsa4096.key", 4096);
        issue_with_digest(
            d,
            "rsa4096.key",
            "rsa4096.pem",
            "RSA-4096 Signer",
            ("rsa-ca.pem", "rsa-ca.key"),
            "signer",
            "sha512",
        );
        export(
            d,
            "rsa4096.p12",
            &[
                "-inkey",
                "rsa4096.key",
                "-in",
                "rsa4096.pem",
                "-certfile",
                "rsa-ca.pem",
            ],
        );
        // A P-256 signer under the RSA root (sha384WithRSAEncryption), and
        // one under the P-256 root signed with ecdsa-with-SHA384.
        ec_key(d, "ec-under-rsa.key");
        issue_with_digest(
            d,
            "ec-under-rsa.key",
            "ec-under-rsa.pem",
            "EC Signer under RSA",
            ("rsa-ca.pem", "rsa-ca.key"),
            "signer",
            "sha384",
        );
        export(
            d,
            "ec-under-rsa.p12",
            &[
                "-inkey",
                "ec-under-rsa.key",
                "-in",
                "ec-under-rsa.pem",
                "-certfile",
                "rsa-ca.pem",
            ],
        );
        ec_key(d, "ec384sig.key");
        issue_with_digest(
            d,
            "ec384sig.key",
            "ec384sig.pem",
            "EC Signer SHA-384",
            ("ca.pem", "ca.key"),
            "signer",
            "sha384",
        );
        export(
            d,
            "ec384sig.p12",
            &[
                "-inkey",
                "ec384sig.key",
                "-in",
                "ec384sig.pem",
                "-certfile",
                "ca.pem",
            ],
        );

        // Keys a seal cannot use: RSA-1024, P-384, Ed25519.
        rsa_key(d, "rsa1024.key", 1024);
        issue(
            d,
            "rsa1024.key",
            "rsa1024.pem",
            "RSA-1024 Signer",
            ("ca.pem", "ca.key"),
            "signer",
        );
        export(
            d,
            "rsa1024.p12",
            &[
                "-inkey",
                "rsa1024.key",
                "-in",
                "rsa1024.pem",
                "-certfile",
                "ca.pem",
            ],
        );
        openssl(
            d,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
                "-out",
                "p384.key",
            ],
        );
        issue(
            d,
            "p384.key",
            "p384.pem",
            "P-384 Signer",
            ("ca.pem", "ca.key"),
            "signer",
        );
        export(
            d,
            "p384.p12",
            &[
                "-inkey",
                "p384.key",
                "-in",
                "p384.pem",
                "-certfile",
                "ca.pem",
            ],
        );
        openssl(
            d,
            &["genpkey", "-algorithm", "ED25519", "-out", "ed25519.key"],
        );
        issue(
            d,
            "ed25519.key",
            "ed25519.pem",
            "Ed25519 Signer",
            ("ca.pem", "ca.key"),
            "signer",
        );
        export(
            d,
            "ed25519.p12",
            &[
                "-inkey",
                "ed25519.key",
                "-in",
                "ed25519.pem",
                "-certfile",
                "ca.pem",
            ],
        );

        // An RSA timestamp authority under the RSA root: OpenSSL writes its
        // SignerInfo's algorithm as rsaEncryption.
        rsa_key(d, "tsa.key", 2048);
        issue(
            d,
            "tsa.key",
            "tsa.pem",
            "Test RSA TSA",
            ("rsa-ca.pem", "rsa-ca.key"),
            "tsa",
        );
        write(d, "tsa-serial", "01\n");
        write(
            d,
            "tsa.cnf",
            &format!(
                "[ tsa ]\ndefault_tsa = test_tsa\n\n[ test_tsa ]\ndir = {}\n\
                 serial = $dir/tsa-serial\ncrypto_device = builtin\n\
                 signer_cert = $dir/tsa.pem\nsigner_key = $dir/tsa.key\n\
                 signer_digest = sha256\ndefault_policy = 1.3.6.1.4.1.99999.1\n\
                 digests = sha256\naccuracy = secs:1\nordering = no\ntsa_name = yes\n\
                 ess_cert_id_chain = no\ness_cert_id_alg = sha256\n",
                d.display()
            ),
        );
        Fixtures { dir }
    })
}

fn details() -> SealDetails {
    let bangkok = FixedOffset::east_opt(7 * 3600).unwrap();
    SealDetails {
        name: "Test Signer".into(),
        reason: "ออกหนังสือราชการ".into(),
        location: None,
        contact_info: "VRFY-TEST-P12X".into(),
        signed_at: bangkok.from_utc_datetime(&Utc::now().naive_utc()),
    }
}

/// The one seal on `pdf`, checked trusting `trusted`.
fn verdict(pdf: &[u8], trusted: &Certificate) -> Verdict {
    let reports = check(pdf, std::slice::from_ref(trusted)).unwrap();
    assert_eq!(reports.len(), 1);
    reports[0].verdict.clone()
}

/// `identity` seals the memo, the check holds trusting `root`, and one
/// changed byte of the signed range fails it.
fn seals_and_holds(identity: &SigningIdentity, root: &Certificate) -> Vec<u8> {
    let sealed = seal(&memo_pdf(), identity, &details()).unwrap();
    let reports = check(&sealed, std::slice::from_ref(root)).unwrap();
    assert!(
        reports[0].seals_whole_file(),
        "the seal holds: {:?}",
        reports[0].verdict
    );
    let mut altered = sealed.clone();
    altered[sealed.len() / 3] ^= 0x01;
    assert_eq!(
        verdict(&altered, root),
        Verdict::Invalid(Failure::DigestMismatch)
    );
    sealed
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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

    let sealed = seal(&memo_pdf(), &identity, &details()).unwrap();
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

/// An all-RSA file (RSA-3072 root and signer) opens, seals with RSA
/// PKCS#1 v1.5, and the check holds; one changed byte of the file, or of
/// the RSA signature itself, fails it, naming why.
#[test]
fn rsa_file_opens_and_seals() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("rsa-chain.p12"), PASSWORD).unwrap();
    assert_eq!(identity.key().algorithm(), "RSA-3072");
    let root = f.certificate("rsa-ca.pem");
    assert_chain(&identity, &[f.certificate("rsa-signer.pem"), root.clone()]);

    let sealed = seals_and_holds(&identity, &root);
    let reports = check(&sealed, std::slice::from_ref(&root)).unwrap();
    assert_eq!(reports[0].signer_cn.as_deref(), Some("RSA Chain Signer"));
    assert_eq!(reports[0].issuer_cn.as_deref(), Some("Test RSA Root CA"));

    // A digit of the RSA signature changed: the digest still matches, the
    // signature does not.
    let prepared = prepare(&memo_pdf(), &identity, &details()).unwrap();
    let signature = hex(prepared.signature_value());
    assert_eq!(signature.len(), 2 * 384, "an RSA-3072 signature");
    let sealed = prepared.finish(None).unwrap();
    let at = sealed
        .windows(signature.len())
        .position(|window| window == signature.as_bytes())
        .expect("the signature's hex in /Contents")
        + signature.len() / 2;
    let mut altered = sealed.clone();
    altered[at] = if altered[at] == b'0' { b'1' } else { b'0' };
    assert_eq!(
        verdict(&altered, &root),
        Verdict::Invalid(Failure::SignatureInvalid)
    );

    // Trusting another root, the chain does not hold.
    assert!(matches!(
        verdict(&sealed, &f.certificate("ca.pem")),
        Verdict::Invalid(Failure::Untrusted(_))
    ));
}

/// An RSA signer under a P-256 root: the SignerInfo names
/// sha256WithRSAEncryption (NULL parameters), the certificate's signature is
/// ECDSA.
#[test]
fn rsa_signer_under_an_ecdsa_root() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("rsa.p12"), PASSWORD).unwrap();
    assert_eq!(identity.key().algorithm(), "RSA-2048");
    let sealed = seals_and_holds(&identity, &f.certificate("ca.pem"));
    // AlgorithmIdentifier { sha256WithRSAEncryption, NULL }: only the
    // SignerInfo has it, the certificates being signed with ECDSA.
    let sha256_with_rsa = "300d06092a864886f70d01010b0500";
    assert_eq!(
        String::from_utf8_lossy(&sealed)
            .matches(sha256_with_rsa)
            .count(),
        1
    );
}

/// RSA-4096 signs; its certificate is signed with sha512WithRSAEncryption;
/// /Contents has room for the signature, the chain and a timestamp token.
#[test]
fn rsa_4096_key_and_sha512_certificate() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("rsa4096.p12"), PASSWORD).unwrap();
    assert_eq!(identity.key().algorithm(), "RSA-4096");
    seals_and_holds(&identity, &f.certificate("rsa-ca.pem"));
    let chain: usize = identity.chain().iter().map(|c| der(c).len()).sum();
    assert!(contents_capacity(&identity) >= chain + 512 + 10_240);
}

/// Mixed chains: a P-256 signer under an RSA root whose signature is
/// sha384WithRSAEncryption, and one whose P-256 root signed with
/// ecdsa-with-SHA384.
#[test]
fn mixed_chains_and_sha384_certificates() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("ec-under-rsa.p12"), PASSWORD).unwrap();
    assert_eq!(identity.key().algorithm(), "ECDSA P-256");
    seals_and_holds(&identity, &f.certificate("rsa-ca.pem"));
    let identity = SigningIdentity::from_pkcs12(&f.read("ec384sig.p12"), PASSWORD).unwrap();
    seals_and_holds(&identity, &f.certificate("ca.pem"));
}

/// An RSA seal with an RSA timestamp authority's token (OpenSSL's `ts
/// -reply`): the token is over the RSA signature value, and the check reads
/// it, trusting the root.
#[test]
fn rsa_seal_takes_an_rsa_timestamp() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("rsa-chain.p12"), PASSWORD).unwrap();
    let prepared = prepare(&memo_pdf(), &identity, &details()).unwrap();
    let request = TimestampRequest::new(prepared.signature_value()).unwrap();
    std::fs::write(f.path("query.tsq"), request.to_der()).unwrap();
    openssl(
        &f.dir,
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
    let token = request.token_from_response(&f.read("reply.tsr")).unwrap();
    let sealed = prepared.finish(Some(&token)).unwrap();
    let root = f.certificate("rsa-ca.pem");
    let reports = check(&sealed, std::slice::from_ref(&root)).unwrap();
    assert!(reports[0].seals_whole_file(), "{:?}", reports[0].verdict);
    let timestamp = reports[0].timestamp.as_ref().expect("the token is read");
    assert_eq!(timestamp.tsa_cn, "Test RSA TSA");
    assert!(timestamp.tsa_trusted);
}

#[test]
fn rsa_key_under_2048_bits_is_refused_naming_its_size() {
    let f = fixtures();
    let error = SigningIdentity::from_pkcs12(&f.read("rsa1024.p12"), PASSWORD).unwrap_err();
    assert_eq!(error, Pkcs12Error::RsaKeySize(1024));
    let message = error.to_string();
    assert!(
        message.contains("1024") && message.contains("2048"),
        "{message}"
    );
}

#[test]
fn other_keys_are_refused_naming_what_is_supported() {
    let f = fixtures();
    for (file, named) in [("p384.p12", "secp384r1"), ("ed25519.p12", "Ed25519")] {
        let error = SigningIdentity::from_pkcs12(&f.read(file), PASSWORD).unwrap_err();
        assert!(
            matches!(error, Pkcs12Error::UnsupportedKey(_)),
            "{file}: {error:?}"
        );
        let message = error.to_string();
        for expected in [named, "P-256", "RSA", "2048"] {
            assert!(message.contains(expected), "{file}: {message}");
        }
    }
}

/// The key folder keeps an RSA identity as PEM (PKCS#8) and reads it back;
/// a PKCS#1 "RSA PRIVATE KEY" reads too; a key of another certificate is
/// refused.
#[test]
fn rsa_identity_round_trips_through_pem() {
    let f = fixtures();
    let identity = SigningIdentity::from_pkcs12(&f.read("rsa-chain.p12"), PASSWORD).unwrap();
    let (key, chain) = identity.to_pem().unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    let again = SigningIdentity::from_pem(&key, &chain).unwrap();
    assert_eq!(again.key().algorithm(), "RSA-3072");
    seals_and_holds(&again, &f.certificate("rsa-ca.pem"));

    openssl(
        &f.dir,
        &[
            "pkey",
            "-in",
            "rsa-signer.key",
            "-traditional",
            "-out",
            "rsa-signer.pkcs1.pem",
        ],
    );
    let pkcs1 = std::fs::read_to_string(f.path("rsa-signer.pkcs1.pem")).unwrap();
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    SigningIdentity::from_pem(&pkcs1, &chain).unwrap();

    let other = std::fs::read_to_string(f.path("rsa.key")).unwrap();
    assert!(matches!(
        SigningIdentity::from_pem(&other, &chain),
        Err(saraban_seal::IdentityError::KeyDoesNotMatchCertificate)
    ));
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
