//! The seal's certificate from the command line: `org init` makes a
//! self-issued one, `org cert show` prints it, and `org cert import`
//! installs a real CA's key and chain (made here with OpenSSL), which the
//! next issued PDF is sealed with; a key that is not the certificate's is
//! refused with exit code 2 and one line, and nothing changes.

mod common;

use std::process::Command;

use common::{Cli, example};

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl (apt-get install openssl)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A CA and a certificate it issued to the organisation, P-256, with the
/// key as PKCS#8 PEM: what a real CA hands over.
fn real_ca(dir: &std::path::Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let mut root = vec!["req", "-x509"];
    root.extend(ec);
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
    request.extend(ec);
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

#[test]
fn a_real_cas_certificate_replaces_the_self_issued_one() {
    let cli = Cli::new("cert");
    cli.ok(&["org", "init", &example("organisation/wangkrachae.toml")]);
    let shown = cli.ok(&["org", "cert", "show", "wangkrachae"]);
    assert!(
        shown.contains("subject: องค์การบริหารส่วนตำบลวังกระแจะ"),
        "{shown}"
    );
    assert!(shown.contains("(self-issued)"), "{shown}");

    real_ca(&cli.dir);
    let (key, chain, ca_key) = (
        cli.dir.join("org.key"),
        cli.dir.join("chain.pem"),
        cli.dir.join("ca.key"),
    );
    // The CA's key is not the organisation certificate's: refused.
    let refused = cli.run(&[
        "org",
        "cert",
        "import",
        "wangkrachae",
        "--key",
        ca_key.to_str().unwrap(),
        "--chain",
        chain.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("--key/--chain"), "{message}");
    assert!(
        cli.ok(&["org", "cert", "show", "wangkrachae"])
            .contains("(self-issued)")
    );

    let imported = cli.ok(&[
        "org",
        "cert",
        "import",
        "wangkrachae",
        "--key",
        key.to_str().unwrap(),
        "--chain",
        chain.to_str().unwrap(),
    ]);
    assert!(imported.contains("issuer:  Test Thai CA"), "{imported}");
    assert!(!imported.contains("self-issued"), "{imported}");

    let id = cli.issue_memo(9);
    let pdf = cli.dir.join("issued.pdf");
    cli.ok(&["doc", "pdf", &id, "-o", pdf.to_str().unwrap()]);
    let signatures = Command::new("pdfsig").arg(&pdf).output().expect("pdfsig");
    let text = String::from_utf8_lossy(&signatures.stdout);
    assert!(text.contains("Signature is Valid"), "{text}");
    assert!(text.contains("Wang Krachae SAO"), "{text}");
    // The log holds, the seal checked against the imported chain.
    let verified = cli.run(&["verify"]);
    assert!(
        verified.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
}
