//! `saraban render` as a user runs it: real files in, a PDF or a one-line
//! error out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("saraban-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_saraban"));
    command.args(args);
    command
}

fn saraban(args: &[&str]) -> Output {
    command(args).output().unwrap()
}

fn example(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

const VALID_MEMO: &str = r#"
format = "saraban/1"
kind = "memo"
unit = "สำนักปลัด องค์การบริหารส่วนตำบลวังกระแจะ"
number = { prefix = "ตร ๗๑๐๐๑", number = 12 }
date = 2025-04-09
subject = "ทดสอบ"
to = "นายกองค์การบริหารส่วนตำบลวังกระแจะ"
body = ["ย่อหน้าแรก"]
signer = { name = "นางสาวฉัญญุรัตน์ อิ่มสมบัติ", position = "ผู้ช่วยนิติกร" }
"#;

#[test]
fn renders_every_example() {
    let scratch = Scratch::new("examples");
    for name in [
        "ita-report-2568.toml",
        "order-490-2567.toml",
        "order-490-2567-delegated.json",
    ] {
        let out = scratch.path(&format!("{name}.pdf"));
        let output = saraban(&["render", &example(name), "-o", out.to_str().unwrap()]);
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let pdf = std::fs::read(&out).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("placeholder"),
            "warns about the missing emblem: {stderr}"
        );
    }
}

#[test]
fn an_emblem_file_replaces_the_placeholder() {
    let scratch = Scratch::new("emblem");
    let svg = scratch.path("garuda.svg");
    std::fs::write(
        &svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="90" height="100"><circle cx="45" cy="50" r="40" fill="goldenrod"/></svg>"#,
    )
    .unwrap();
    let out = scratch.path("memo.pdf");
    let output = saraban(&[
        "render",
        &example("ita-report-2568.toml"),
        "--emblem",
        svg.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("placeholder"));

    std::fs::write(&svg, "not an image").unwrap();
    let output = saraban(&[
        "render",
        &example("ita-report-2568.toml"),
        "--emblem",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error: style.emblem:"));
}

/// Each broken input: what to change in the valid memo, and what the one
/// line must name.
#[test]
fn bad_input_names_the_field_exits_2_and_writes_nothing() {
    let cases: &[(&str, &str, &str)] = &[
        ("subject = \"ทดสอบ\"\n", "", "subject: missing (required)"),
        (
            "date = 2025-04-09",
            "date = 2568-04-09",
            "date: '2568-04-09' has a Buddhist-era year",
        ),
        (
            "date = 2025-04-09",
            "date = \"9 เมษายน\"",
            "date: '9 เมษายน' is not a date",
        ),
        ("date = 2025-04-09", "date = 12", "date: invalid type"),
        (
            "kind = \"memo\"",
            "kind = \"circular\"",
            "kind: unknown kind 'circular'; known kinds: memo (บันทึกข้อความ), order (คำสั่ง), \
             letter (หนังสือภายนอก), stamped (หนังสือประทับตรา), announcement (ประกาศ)",
        ),
        (
            "format = \"saraban/1\"",
            "format = \"saraban/9\"",
            "format: unsupported format",
        ),
        (
            "body = [\"ย่อหน้าแรก\"]",
            "body = []",
            "body: must hold at least one paragraph",
        ),
        (
            "body = [\"ย่อหน้าแรก\"]",
            "body = [\"ก\", { table = { columns = [\"a\", \"b\"], rows = [[\"1\"]] } }]",
            "body[1].table: rows[0]: has 1 cells for 2 columns",
        ),
        (
            "body = [\"ย่อหน้าแรก\"]",
            "body = [{ paragraph = \"ก\", colour = \"red\" }]",
            "body[0].colour: unknown field `colour`",
        ),
        ("to = ", "subjekt = \"x\"\nto = ", "subjekt"),
        ("number = 12", "number = 0", "number.number: invalid value"),
        (
            "position = \"ผู้ช่วยนิติกร\"",
            "position = \"ผู้ช่วยนิติกร\", acting = { capacity = \"แทน\", principal = \"นายก\" }",
            "signer.acting.capacity: unknown variant",
        ),
        (
            "kind = \"memo\"",
            "kind = \"memo\"\nsecrecy = \"ลับที่สุด\"",
            "secrecy: ลับที่สุด (top secret) documents are kept off-system",
        ),
        (
            "unit = \"",
            "unit = \"\"\nx = \"",
            "unit: must not be empty",
        ),
        ("format", "format = ", "not valid TOML"),
    ];
    let scratch = Scratch::new("bad");
    for (from, to, expected) in cases {
        assert!(VALID_MEMO.contains(from), "case {from:?}");
        let input = scratch.path("memo.toml");
        std::fs::write(&input, VALID_MEMO.replacen(from, to, 1)).unwrap();
        let out = scratch.path("memo.pdf");
        let output = saraban(&[
            "render",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{expected}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in {stderr:?}"
        );
        assert_eq!(
            scratch.files(),
            vec!["memo.toml".to_owned()],
            "nothing written for {expected}"
        );
    }

    // The valid memo itself renders, so the cases above fail for their own reason.
    std::fs::write(scratch.path("memo.toml"), VALID_MEMO).unwrap();
    let output = saraban(&["render", scratch.path("memo.toml").to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(Path::new(&scratch.path("memo.pdf")).exists());
}

#[test]
fn json_errors_name_the_field_too() {
    let scratch = Scratch::new("json");
    let input = scratch.path("order.json");
    let text = std::fs::read_to_string(example("order-490-2567-delegated.json")).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    value["signer"]["name"] = serde_json::json!(["not", "a", "string"]);
    std::fs::write(&input, value.to_string()).unwrap();
    let output = saraban(&["render", input.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("signer.name: invalid type: sequence"),
        "{stderr}"
    );
    assert_eq!(scratch.files(), vec!["order.json".to_owned()]);
}

#[test]
fn help_documents_the_input_format() {
    let output = saraban(&["render", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("saraban/1") && help.contains("docs/document-format.md"),
        "{help}"
    );
    let output = saraban(&["render", "/nonexistent/file.toml"]);
    assert_eq!(output.status.code(), Some(2));
}

/// `saraban render` skips mimalloc's teardown at exit (render.rs,
/// `skip_allocator_teardown`): the statistics its exit handler prints when
/// asked do not appear, where `saraban --version` prints them.
#[test]
fn the_allocator_is_not_torn_down_at_exit() {
    let scratch = Scratch::new("teardown");
    let input = scratch.path("memo.toml");
    std::fs::write(&input, VALID_MEMO).unwrap();
    let run = |args: &[&str]| {
        command(args)
            .env("MIMALLOC_SHOW_STATS", "1")
            .output()
            .unwrap()
    };
    let version = run(&["--version"]);
    assert!(version.status.success());
    let said = String::from_utf8_lossy(&version.stderr);
    assert!(
        said.contains("heap stats"),
        "the handler runs for other commands: {said}"
    );

    let render = run(&["render", input.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&render.stderr);
    assert!(render.status.success(), "{said}");
    assert!(scratch.path("memo.pdf").exists());
    assert!(!said.contains("heap stats"), "the handler ran: {said}");
}
