//! Typst writes a classic cross-reference table; a file whose last section
//! is a cross-reference stream (objects in object streams, as qpdf or
//! another producer may write it) gets an update in that same form.

use saraban_stories::seal_tools as common;

use saraban_seal::{Verdict, check, seal};

#[test]
fn a_file_with_object_streams_gets_a_cross_reference_stream_update() {
    let typeset = common::typeset_example("ita-report-2568.toml");
    assert!(
        !String::from_utf8_lossy(&typeset).contains("/XRef"),
        "Typst 0.15's own output has a classic xref table"
    );
    let dir = common::scratch("xref-stream");
    let classic = dir.join("classic.pdf");
    let compressed = dir.join("compressed.pdf");
    std::fs::write(&classic, &typeset).unwrap();
    let qpdf = common::run(
        "qpdf",
        &[
            "--object-streams=generate",
            classic.to_str().unwrap(),
            compressed.to_str().unwrap(),
        ],
        "apt-get install qpdf",
    );
    assert!(qpdf.status.success(), "{qpdf:?}");
    let original = std::fs::read(&compressed).unwrap();
    let text = String::from_utf8_lossy(&original);
    assert!(text.contains("/ObjStm") && text.contains("/XRef"));

    let (authority, signer) = common::identity();
    let sealed = seal(&original, &signer, &common::details()).unwrap();
    assert!(sealed.starts_with(&original));
    let update = String::from_utf8_lossy(&sealed[original.len()..]);
    assert!(
        update.contains("/Type /XRef"),
        "the update's xref is a stream"
    );
    assert!(!update.contains("\ntrailer"), "and not a table");

    let reports = check(&sealed, std::slice::from_ref(authority.certificate())).unwrap();
    assert_eq!(reports[0].verdict, Verdict::Valid, "{:?}", reports[0]);
    assert!(reports[0].covers_whole_file);

    let file = dir.join("sealed.pdf");
    std::fs::write(&file, &sealed).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, authority.to_pem().unwrap().1).unwrap();
    let qpdf = common::run(
        "qpdf",
        &["--check", file.to_str().unwrap()],
        "apt-get install qpdf",
    );
    assert!(
        qpdf.status.success(),
        "qpdf --check:\n{}",
        String::from_utf8_lossy(&qpdf.stdout)
    );
    let (ok, text) = common::pdfsig(&file);
    assert!(ok && text.contains("Signature is Valid"), "pdfsig:\n{text}");
    assert!(text.contains("Total document signed"), "pdfsig:\n{text}");
    let (ok, line) = common::pyhanko_validate(&file, &ca, false);
    assert!(
        ok && line.contains(":INTACT:TRUSTED,UNTOUCHED"),
        "pyHanko:\n{line}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
