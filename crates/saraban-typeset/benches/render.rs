//! Typesetting speed, warm process: typeset + PDF/A export.
//! Run on one core: `taskset -c 0 cargo bench -p saraban-typeset`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use saraban_core::Document;
use saraban_core::document::document_from_value;
use saraban_typeset::Typesetter;
use serde_json::{Value, json};

const SENTENCES: [&str; 8] = [
    "ตามที่ได้ดำเนินการวิเคราะห์ผลการประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงาน",
    "คณะทำงานได้ประชุมเพื่อกำหนดมาตรการส่งเสริมคุณธรรมและความโปร่งใสประจำปีงบประมาณ",
    "โดยให้เผยแพร่ข้อมูลข่าวสารแก่ประชาชนผ่านเว็บไซต์และเครือข่ายสังคมออนไลน์อย่างสม่ำเสมอ",
    "จัดทำคู่มือการปฏิบัติงานสำหรับเจ้าหน้าที่และคู่มือสำหรับประชาชนผู้มาติดต่อราชการ",
    "เพื่อให้การให้บริการเป็นไปด้วยความสะดวก รวดเร็ว และเกิดประโยชน์สูงสุดแก่ประชาชน",
    "ทั้งนี้ ให้รายงานผลการดำเนินการต่อผู้บริหารทราบภายในสามสิบวันนับแต่วันสิ้นไตรมาส",
    "หากมีปัญหาหรืออุปสรรคในการดำเนินการ ให้รายงานผู้บังคับบัญชาตามลำดับชั้นโดยเร็ว",
    "จึงขอรายงานผลการดำเนินการดังกล่าวมาเพื่อโปรดพิจารณา",
];

/// About 1,500 Thai characters of body, different for every `seed`.
fn memo(seed: usize, number: Option<u32>, endorsements: usize) -> Document {
    memo_with(body(seed, 1_450), number, endorsements)
}

/// Paragraphs of at least `least` Thai characters in all, different for
/// every `seed`.
fn body(seed: usize, least: usize) -> Vec<Value> {
    let mut body = Vec::new();
    let mut chars = 0;
    let mut i = seed;
    while chars < least {
        let paragraph: String = (0..4)
            .map(|k| SENTENCES[(i + k * 3) % SENTENCES.len()])
            .collect::<Vec<_>>()
            .join(" ");
        let paragraph = format!("{paragraph} ครั้งที่ {seed}");
        chars += paragraph.chars().count();
        body.push(Value::String(paragraph));
        i += 1;
    }
    body
}

fn memo_with(body: Vec<Value>, number: Option<u32>, endorsements: usize) -> Document {
    let endorsements: Vec<Value> = (0..endorsements)
        .map(|k| {
            json!({
                "opinion": "เรียน นายก อบต.\nเพื่อโปรดทราบ",
                "name": format!("นางสาวสมใจ ตั้งใจดี {k}"),
                "position": "หัวหน้าสำนักปลัด",
                "date": "2025-04-13",
            })
        })
        .collect();
    let number = match number {
        Some(n) => json!({ "prefix": "ตร 71001", "number": n }),
        None => json!({ "prefix": "ตร 71001" }),
    };
    document_from_value(json!({
        "format": "saraban/1",
        "kind": "memo",
        "unit": "สำนักปลัด องค์การบริหารส่วนตำบลวังกระแจะ",
        "number": number,
        "date": "2025-04-09",
        "subject": "รายงานผลการดำเนินการมาตรการส่งเสริมคุณธรรมและความโปร่งใส",
        "to": "นายกองค์การบริหารส่วนตำบลวังกระแจะ",
        "body": body,
        "closing": "จึงเรียนมาเพื่อโปรดทราบ",
        "signer": { "name": "นางสาวฉัญญุรัตน์ อิ่มสมบัติ", "position": "ผู้ช่วยนิติกร" },
        "endorsements": endorsements,
    }))
    .unwrap()
}

/// Characters of body a one-page letter is given: about 1,000 (three
/// paragraphs) fit beside its longer head and foot (3 cm Garuda, address,
/// date, closing, contact block), where a memo holds 1,500.
const LETTER_BODY: usize = 800;

/// A one-page external letter with the memo's kind of text, new for every
/// `seed`: the same text to break, a different form around it.
fn letter(seed: usize) -> Document {
    // The memo's text, less what the letter's longer head and foot take.
    let body = body(seed, LETTER_BODY);
    document_from_value(json!({
        "format": "saraban/1",
        "kind": "letter",
        "number": { "prefix": "ตร 71001" },
        "agency": "องค์การบริหารส่วนตำบลวังกระแจะ\nอำเภอเมืองตราด จังหวัดตราด ๒๓๐๐๐",
        "date": "2025-04-21",
        "subject": "ส่งรายงานผลการดำเนินการมาตรการส่งเสริมคุณธรรมและความโปร่งใส",
        "to": "นายอำเภอเมืองตราด",
        "enclosures": ["รายงานผลการดำเนินการ จำนวน ๑ ชุด"],
        "body": body,
        "signer": { "name": "นายกนก ใจรักษ์", "position": "นายกองค์การบริหารส่วนตำบลวังกระแจะ" },
        "contact": { "unit": "สำนักปลัด", "phone": "๐ ๓๙๕๑ ๒๔๕๖", "email": "saraban@wangkrachae.go.th" },
    }))
    .unwrap()
}

/// A 10-page order: an appointee table of 200 rows, different names for
/// every `seed` so that nothing is reused from an earlier render.
fn long_order(seed: usize) -> Document {
    let rows: Vec<Value> = (1..=200)
        .map(|i| {
            json!([
                i.to_string(),
                format!("นายทดสอบ นามสกุลยาวพอสมควร {i} รุ่น {seed}"),
                "นักจัดการงานทั่วไปชำนาญการ",
                "ตอบข้อซักถามและให้คำอธิบายแก่ประชาชน",
            ])
        })
        .collect();
    document_from_value(json!({
        "format": "saraban/1",
        "kind": "order",
        "authority": "องค์การบริหารส่วนตำบลวังกระแจะ",
        "number": 490,
        "date": "2024-08-01",
        "subject": "แต่งตั้งผู้รับผิดชอบในการสื่อสาร ตอบข้อซักถาม หรือให้คำอธิบาย",
        "body": [
            SENTENCES[0],
            { "table": { "columns": ["ที่", "ชื่อ - สกุล", "ตำแหน่ง", "หน้าที่"], "widths": [0.6, 2.4, 2.4, 3], "rows": rows } },
        ],
        "effective": "ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป",
        "signer": { "name": "นายกนก ใจรักษ์", "position": "นายกองค์การบริหารส่วนตำบลวังกระแจะ" },
    }))
    .unwrap()
}

fn render(typesetter: &Typesetter, document: &Document) -> Vec<u8> {
    typesetter.typeset(document, None).unwrap().pdf().unwrap()
}

fn benches(c: &mut Criterion) {
    let typesetter = Typesetter::default();
    let sample = memo(0, None, 0);
    let Document::Memo(sample_memo) = &sample else {
        unreachable!()
    };
    let chars: usize = sample_memo
        .body
        .blocks()
        .iter()
        .map(|b| match b {
            saraban_core::document::Block::Paragraph(text) => text.as_str().chars().count(),
            _ => 0,
        })
        .sum();
    assert!(
        (1_450..=1_700).contains(&chars),
        "body of {chars} characters"
    );
    let pages = typesetter.typeset(&sample, None).unwrap().page_count();
    assert_eq!(pages, 1, "the memo fills one page");
    let pages = typesetter.typeset(&letter(0), None).unwrap().page_count();
    assert_eq!(pages, 1, "the letter fills one page");
    let pages = typesetter
        .typeset(&long_order(0), None)
        .unwrap()
        .page_count();
    assert!(
        (9..=11).contains(&pages),
        "the order runs to about 10 pages, not {pages}"
    );

    let mut seed = 0;
    c.bench_function(
        "new one-page memo (1,500 Thai chars, new text each time)",
        |b| {
            b.iter(|| {
                seed += 1;
                black_box(render(&typesetter, &memo(seed, None, 0)))
            })
        },
    );

    let mut seed = 0;
    c.bench_function(
        "new one-page external letter (the memo's text, new each time)",
        |b| {
            b.iter(|| {
                seed += 1;
                black_box(render(&typesetter, &letter(seed)))
            })
        },
    );

    // The same memo at successive steps of its route: each render differs
    // from the one before by one endorsement or the allocated number.
    let steps: Vec<Document> = (0..=3)
        .map(|k| memo(7, None, k))
        .chain([memo(7, Some(123), 3)])
        .collect();
    // Forth and back along the route, so that every render is one change
    // away from the previous one.
    let order: Vec<usize> = (0..steps.len()).chain((1..steps.len() - 1).rev()).collect();
    let mut step = 0;
    c.bench_function("re-render after one change (endorsement or number)", |b| {
        b.iter(|| {
            step = (step + 1) % order.len();
            black_box(render(&typesetter, &steps[order[step]]))
        })
    });

    let mut seed = 0;
    let mut group = c.benchmark_group("long");
    group.sample_size(10);
    group.bench_function(
        "10-page order with a 200-row table (new names each time)",
        |b| {
            b.iter(|| {
                seed += 1;
                black_box(render(&typesetter, &long_order(seed)))
            })
        },
    );
    group.finish();
}

criterion_group!(render_benches, benches);
criterion_main!(render_benches);
