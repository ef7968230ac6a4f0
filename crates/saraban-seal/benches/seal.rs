//! How long sealing a typeset memo takes (B-B, no timestamp): the
//! incremental update, the SHA-256 over the file and one signature, with
//! the organisation's own P-256 key and with an RSA-3072 key from an RSA
//! CA (made by the `openssl` command, as a Thai CA would issue it); and how
//! long checking each takes.

use std::path::Path;
use std::process::Command;

use chrono::{FixedOffset, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use saraban_core::{Syntax, read_document};
use saraban_seal::{
    Certificate, SealDetails, SigningIdentity, certificates_from_pem, check, seal, self_issued,
};
use saraban_typeset::Typesetter;

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

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("the bench needs the `openssl` command (apt-get install openssl)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// An RSA-3072 root and an RSA-3072 signing certificate it issued: the
/// identity, and the root to trust.
fn rsa_identity() -> (SigningIdentity, Certificate) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("saraban-seal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rsa = ["-newkey", "rsa:3072", "-nodes"];
    let mut root = vec!["req", "-x509"];
    root.extend(rsa);
    root.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "30",
        "-subj",
        "/CN=Bench RSA CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&dir, &root);
    let mut request = vec!["req", "-new"];
    request.extend(rsa);
    request.extend([
        "-keyout",
        "org.key",
        "-out",
        "org.csr",
        "-subj",
        "/CN=Bench RSA Signer",
    ]);
    openssl(&dir, &request);
    std::fs::write(
        dir.join("org.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n",
    )
    .unwrap();
    openssl(
        &dir,
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
            "30",
            "-extfile",
            "org.ext",
        ],
    );
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let identity =
        SigningIdentity::from_pem(&read("org.key"), &(read("org.pem") + &read("ca.pem"))).unwrap();
    let root = certificates_from_pem(&read("ca.pem")).unwrap().remove(0);
    std::fs::remove_dir_all(&dir).ok();
    (identity, root)
}

fn bench(c: &mut Criterion) {
    let pdf = memo_pdf();
    // Before /M's time: OpenSSL's certificates are valid from the second
    // they are made.
    let (rsa_signer, rsa_root) = rsa_identity();
    let (authority, signer) =
        self_issued("องค์การบริหารส่วนตำบลวังกระแจะ", "wangkrachae", Utc::now()).unwrap();
    let bangkok = FixedOffset::east_opt(7 * 3600).unwrap();
    let details = SealDetails {
        name: "องค์การบริหารส่วนตำบลวังกระแจะ — นายกนก ใจรักษ์".into(),
        reason: "ออกหนังสือราชการ".into(),
        location: None,
        contact_info: "VRFY-7K2M-Q9XD".into(),
        signed_at: bangkok.from_utc_datetime(&Utc::now().naive_utc()),
    };
    let cases = [
        (signer, authority.certificate().clone()),
        (rsa_signer, rsa_root),
    ];
    for (identity, root) in &cases {
        let key = identity.key().algorithm();
        c.bench_function(&format!("seal memo ({} bytes), {key}", pdf.len()), |b| {
            b.iter(|| seal(&pdf, identity, &details).unwrap())
        });
        let sealed = seal(&pdf, identity, &details).unwrap();
        let trusted = std::slice::from_ref(root);
        let report = &check(&sealed, trusted).unwrap()[0];
        assert!(report.seals_whole_file(), "{key}: {:?}", report.verdict);
        c.bench_function(&format!("check sealed memo, {key}"), |b| {
            b.iter(|| check(&sealed, trusted).unwrap())
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = bench
}
criterion_main!(benches);
