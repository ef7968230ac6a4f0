//! How long sealing a typeset memo takes (B-B, no timestamp): the
//! incremental update, the SHA-256 over the file and one ECDSA signature.

use chrono::{FixedOffset, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use saraban_core::{Syntax, read_document};
use saraban_seal::{SealDetails, check, seal, self_issued};
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

fn bench(c: &mut Criterion) {
    let pdf = memo_pdf();
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
    c.bench_function(&format!("seal memo ({} bytes)", pdf.len()), |b| {
        b.iter(|| seal(&pdf, &signer, &details).unwrap())
    });
    let sealed = seal(&pdf, &signer, &details).unwrap();
    let trusted = [authority.certificate().clone()];
    c.bench_function("check sealed memo", |b| {
        b.iter(|| check(&sealed, &trusted).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = bench
}
criterion_main!(benches);
