//! The seal's certificate from the command line: `org init` makes a
//! self-issued one, `org cert show` prints it, and `org cert import`
//! installs a real CA's certificate (made here with OpenSSL) from a .p12
//! or as PEM key and chain, which the next issued PDF is sealed with; a
//! wrong .p12 password or a key that is not the certificate's is refused
//! with exit code 2 and one line, and nothing changes.

mod common;

use std::process::Command;

use common::{Cli, example};
use saraban_stories::seal_tools::{openssl, real_ca};

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

    // The same certificate as a .p12: a wrong password is refused with one
    // line and exit code 2, and nothing changes.
    openssl(
        &cli.dir,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "org.key",
            "-in",
            "org.pem",
            "-certfile",
            "ca.pem",
            "-passout",
            "pass:รหัสผ่าน-p12",
            "-out",
            "org.p12",
        ],
    );
    let p12 = cli.dir.join("org.p12");
    let wrong = cli.run_with_input(
        &[
            "org",
            "cert",
            "import",
            "wangkrachae",
            p12.to_str().unwrap(),
        ],
        "รหัสผ่านผิด\n",
    );
    assert_eq!(wrong.status.code(), Some(2));
    let message = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("password is wrong"), "{message}");
    assert!(
        !message.contains("รหัสผ่านผิด"),
        "the password is never printed: {message}"
    );
    assert!(
        cli.ok(&["org", "cert", "show", "wangkrachae"])
            .contains("(self-issued)")
    );
    let opened = cli.run_with_input(
        &[
            "org",
            "cert",
            "import",
            "wangkrachae",
            p12.to_str().unwrap(),
        ],
        "รหัสผ่าน-p12\n",
    );
    assert!(
        opened.status.success(),
        "{}",
        String::from_utf8_lossy(&opened.stderr)
    );
    assert!(String::from_utf8_lossy(&opened.stdout).contains("issuer:  Test Thai CA"));

    // And as PEM: its key and chain.
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
