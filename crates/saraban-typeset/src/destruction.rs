//! The destruction list (บัญชีหนังสือขอทำลาย) printed in its official
//! columns: ลำดับที่, ที่, ลงวันที่, เรื่อง, รหัสแฟ้ม, การพิจารณา, หมายเหตุ.
//! The caller formats every string (digits, dates); the template only
//! lays them out.

use typst_layout::PagedDocument;

use crate::{RenderError, Typesetter, messages, printed, world};

/// A destruction list's pages.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DestructionListPage {
    /// "บัญชีหนังสือขอทำลาย ประจำปี พ.ศ. ๒๕๖๘".
    pub title: String,
    /// The organisation (กระทรวง ทบวง กรม), as it signs.
    pub organisation: String,
    /// When and by whom it was drawn up.
    pub drawn_up: String,
    pub headers: [String; 7],
    pub rows: Vec<DestructionListRow>,
    /// The committee's and the head's lines under the table.
    pub signatures: Vec<String>,
    pub page_word: String,
    pub empty: String,
    /// The organisation's ten digits, for page numbers.
    pub digits: [char; 10],
    #[serde(skip)]
    pub printed_on: chrono::NaiveDate,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DestructionListRow {
    pub order: String,
    pub number: String,
    pub date: String,
    pub subject: String,
    pub file_code: String,
    pub decision: String,
    pub note: String,
}

impl Typesetter {
    /// The list laid out (for layout tests and the PDF).
    pub fn destruction_list(
        &self,
        page: &DestructionListPage,
    ) -> Result<PagedDocument, RenderError> {
        let data = serde_json::to_vec(page).map_err(|e| RenderError::Typst(e.to_string()))?;
        let world = world::DocumentWorld::new(self.fonts.clone(), data, Vec::new())
            .with_main("/destruction-list.typ");
        let result = typst::compile::<PagedDocument>(&world);
        typst::comemo::evict(10);
        result
            .output
            .map_err(|errors| RenderError::Typst(messages(&errors)))
    }

    /// The list as a PDF/A-2b file.
    pub fn destruction_list_pdf(&self, page: &DestructionListPage) -> Result<Vec<u8>, RenderError> {
        let document = self.destruction_list(page)?;
        printed(
            document,
            format!("saraban:destruction-list:{}", page.title),
            page.printed_on,
        )
    }
}
