//! How long a full `verify` of one large log takes: the hash chain, the
//! Merkle root over the events, and, for comparison, one Ed25519
//! signature per event. One run, wall-clock seconds, single thread.
//!
//! `cargo bench -p saraban-core --bench verify [-- EVENTS]` (default 1,000,000).
//!
//! First, the floor of any audit that checks every approval: what
//! `ed25519_dalek::verify_batch` costs a signature here, 1,000 a batch, on
//! one thread and on every core, and what a million signatures would take.
//! `-- floor` measures only that.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use saraban_core::ledger::{self, Event, EventHead, GENESIS, StoredEvent};
use saraban_core::merkle;

/// A document's life, as the engine records it.
const LIFE: [&str; 8] = [
    "created",
    "edited",
    "submitted",
    "endorsed",
    "endorsed",
    "signed",
    "issued",
    "archived",
];

/// Event `seq` (from 1) of a log of documents that each run the whole route.
fn event(seq: u64) -> Event {
    let index = seq - 1;
    let document_index = index / LIFE.len() as u64;
    let step = (index % LIFE.len() as u64) as usize;
    let kind = LIFE[step];
    // A UUIDv7-shaped id, as the engine makes.
    let document = format!(
        "0193{:04x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
        document_index >> 16,
        document_index & 0xffff,
        seq % 0xfff,
        step,
        document_index.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16
    );
    let seconds = 1_741_000_000 + seq * 37;
    let at = format!(
        "2025-{:02}-{:02}T{:02}:{:02}:{:02}+07:00",
        1 + (seconds / 2_600_000) % 12,
        1 + (seconds / 86_400) % 28,
        8 + (seconds / 3_600) % 9,
        (seconds / 60) % 60,
        seconds % 60
    );
    let actors = ["somjai", "prasert", "wanida", "kittisak", "nattaya"];
    let doc_version = if step == 0 { 1 } else { 2 };
    let content_hash =
        ledger::sha256_hex(format!("content {document_index} v{doc_version}").as_bytes());
    let mut event = Event::new(EventHead {
        org: "wangkrachae",
        seq,
        at,
        kind,
        document: &document,
        doc_version,
        actor: actors[(seq % actors.len() as u64) as usize],
        content_hash,
    });
    match kind {
        "created" | "submitted" => event.route_version = Some(3),
        "endorsed" => {
            event.position = Some("head-of-office".into());
            event.capacity = Some("holder".into());
            event.text = Some("เห็นควรลงนาม เรียน นายก อบต. เพื่อโปรดพิจารณา".into());
        }
        "signed" => {
            event.position = Some("chief-executive".into());
            event.capacity = Some("acting".into());
            event.text = Some("อนุมัติ".into());
        }
        "issued" => {
            event.register = Some("outgoing".into());
            event.year = Some(2568);
            event.number = Some((document_index % 9_999) as u32 + 1);
            event.pdf_hash = Some(ledger::sha256_hex(document.as_bytes()));
        }
        _ => {}
    }
    event
}

fn timed<T>(what: &str, work: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = black_box(work());
    let took = start.elapsed();
    println!("  {what:<44} {:>8.3} s", took.as_secs_f64());
    (out, took)
}

/// Signatures per `verify_batch` call in the floor's measure.
const FLOOR_BATCH: usize = 1_000;
/// Batches timed, on one thread and then spread over every core.
const FLOOR_BATCHES: usize = 48;

/// Seconds a signature costs in `verify_batch`, 1,000 a batch, on one
/// thread and on every core, over approvals as the engine logs them (the
/// bench's events, signed by five actors).
fn signature_floor() {
    let actors: Vec<SigningKey> = (0..5)
        .map(|_| {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).expect("OS randomness");
            SigningKey::from_bytes(&seed)
        })
        .collect();
    let total = FLOOR_BATCH * FLOOR_BATCHES;
    let messages: Vec<Vec<u8>> = (1..=total as u64)
        .map(|seq| event(seq).canonical())
        .collect();
    let keys: Vec<VerifyingKey> = (0..total)
        .map(|k| actors[k % actors.len()].verifying_key())
        .collect();
    let signatures: Vec<Signature> = messages
        .iter()
        .enumerate()
        .map(|(k, message)| actors[k % actors.len()].sign(message))
        .collect();
    let check = |range: std::ops::Range<usize>| {
        range.step_by(FLOOR_BATCH).all(|start| {
            let end = start + FLOOR_BATCH;
            let batch: Vec<&[u8]> = messages[start..end].iter().map(Vec::as_slice).collect();
            ed25519_dalek::verify_batch(&batch, &signatures[start..end], &keys[start..end]).is_ok()
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    println!(
        "the floor: ed25519_dalek::verify_batch, {FLOOR_BATCH} signatures a batch, {total} signatures"
    );
    let (held, one_thread) = timed("one thread", || check(0..total));
    assert!(held);
    let per_batch = FLOOR_BATCHES.div_ceil(threads) * FLOOR_BATCH;
    let (held, every_core) = timed(&format!("{threads} threads"), || {
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..total)
                .step_by(per_batch)
                .map(|start| scope.spawn(move || check(start..(start + per_batch).min(total))))
                .collect();
            workers
                .into_iter()
                .all(|w| w.join().expect("a checking thread"))
        })
    });
    assert!(held);
    let each = one_thread.as_secs_f64() / total as f64;
    let each_spread = every_core.as_secs_f64() / total as f64;
    println!("  {:<44} {:>8.2} µs", "a signature, one thread", each * 1e6);
    println!(
        "  {:<44} {:>8.2} µs",
        format!("a signature, {threads} threads (wall)"),
        each_spread * 1e6
    );
    println!(
        "  {:<44} {:>8.2} s",
        format!("1,000,000 signatures on {threads} cores, ideal"),
        each * 1e6 / threads as f64
    );
    println!(
        "  {:<44} {:>8.2} s",
        format!("1,000,000 signatures on {threads} cores, measured"),
        each_spread * 1e6
    );
}

fn main() {
    // `cargo bench` passes `--bench`; the first number given is the size.
    let events: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    signature_floor();
    if std::env::args().any(|a| a == "floor") {
        return;
    }

    println!("setup (untimed in the totals): {events} events");
    let setup = Instant::now();
    let mut stored = Vec::with_capacity(events as usize);
    let mut prev = GENESIS;
    let mut total_bytes = 0usize;
    for seq in 1..=events {
        let bytes = event(seq).canonical();
        total_bytes += bytes.len();
        let hash = ledger::chain_hash(&prev, &bytes);
        stored.push(StoredEvent {
            seq,
            bytes,
            prev_hash: prev,
            hash,
        });
        prev = hash;
    }
    println!(
        "  built and chained in {:.1} s; {:.0} bytes per event on average",
        setup.elapsed().as_secs_f64(),
        total_bytes as f64 / events as f64
    );
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("OS randomness");
    let signing = SigningKey::from_bytes(&seed);
    let verifying: VerifyingKey = signing.verifying_key();
    let start = Instant::now();
    let signatures: Vec<Signature> = stored.iter().map(|s| signing.sign(&s.bytes)).collect();
    println!(
        "  signed every event in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    println!("(a) chain and Merkle root");
    let (faults, chain) = timed("verify_chain (parse + re-canonicalise + hash)", || {
        ledger::verify_chain(&stored)
    });
    assert!(faults.is_empty(), "{faults:?}");
    let (chain_hashes_only, _) = timed("  for comparison: the chain hashes alone", || {
        let mut prev = GENESIS;
        stored.iter().all(|s| {
            let ok = s.prev_hash == prev && ledger::chain_hash(&prev, &s.bytes) == s.hash;
            prev = s.hash;
            ok
        })
    });
    assert!(chain_hashes_only);
    let (leaves, leaf_time) = timed("RFC 6962 leaf hashes", || {
        stored
            .iter()
            .map(|s| merkle::leaf_hash(&s.bytes))
            .collect::<Vec<_>>()
    });
    let (root, root_time) = timed("merkle::root", || merkle::root(&leaves));
    let total_a = chain + leaf_time + root_time;
    println!("  {:<44} {:>8.3} s", "total (a)", total_a.as_secs_f64());
    println!("  root {}", hex::encode(root));

    println!("(b) (a) plus one Ed25519 signature per event");
    let (all_good, one_by_one) = timed("verify_strict, one by one", || {
        stored
            .iter()
            .zip(&signatures)
            .all(|(s, sig)| verifying.verify_strict(&s.bytes, sig).is_ok())
    });
    assert!(all_good);
    const BATCH: usize = 256;
    let keys = vec![verifying; BATCH];
    let (all_good, batched) = timed("verify_batch, 256 per batch", || {
        stored
            .chunks(BATCH)
            .zip(signatures.chunks(BATCH))
            .all(|(events, sigs)| {
                let messages: Vec<&[u8]> = events.iter().map(|s| s.bytes.as_slice()).collect();
                ed25519_dalek::verify_batch(&messages, sigs, &keys[..events.len()]).is_ok()
            })
    });
    assert!(all_good);
    println!(
        "  {:<44} {:>8.3} s",
        "total (b), one by one",
        (total_a + one_by_one).as_secs_f64()
    );
    println!(
        "  {:<44} {:>8.3} s",
        "total (b), batched",
        (total_a + batched).as_secs_f64()
    );
}
