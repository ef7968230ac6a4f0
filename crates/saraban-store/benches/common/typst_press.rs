//! The press the benches issue with: Typst, as `saraban serve` attaches it.
//! Included by path (`#[path]`) from each bench that issues.

use saraban_store::Press;

/// Issuing typesets, as `saraban serve`'s press does.
#[derive(Debug, Default)]
pub struct Typst(saraban_typeset::Typesetter);

impl Press for Typst {
    fn scans_to_pdf(&self, images: &[Vec<u8>]) -> Result<Vec<u8>, saraban_store::ScanFailure> {
        self.0.scans_to_pdf(images).map_err(|e| match e {
            saraban_typeset::IncomingError::File(refusal) => {
                saraban_store::ScanFailure::Refused(refusal.thai_message())
            }
            e => saraban_store::ScanFailure::Failed(Box::new(e)),
        })
    }

    fn stamp(
        &self,
        view: &saraban_store::StampedView,
    ) -> Result<Vec<u8>, saraban_store::PressError> {
        let stamp = saraban_typeset::ReceivingStamp {
            organisation: view.organisation.clone(),
            number: view.number.clone(),
            date: view.date.clone(),
            time: view.time.clone(),
            position_mm: view.position_mm,
            letter_reference: view.letter_reference.clone(),
        };
        let notes: Vec<saraban_typeset::EndorsementNote> = view
            .notes
            .iter()
            .map(|n| saraban_typeset::EndorsementNote {
                text: n.text.clone(),
                name: n.name.clone(),
                position: n.position.clone(),
                date: n.date.clone(),
            })
            .collect();
        Ok(self
            .0
            .stamp_incoming(&view.original, &stamp, &notes, &view.sha256)?)
    }

    fn print(
        &self,
        composed: &saraban_store::Composed,
    ) -> Result<Vec<u8>, saraban_store::PressError> {
        let emblem = composed
            .emblem
            .clone()
            .map(saraban_typeset::Emblem::from_bytes)
            .transpose()?;
        let attachments: Vec<saraban_typeset::Attachment> = composed
            .files
            .iter()
            .map(|file| saraban_typeset::Attachment {
                mime: file.media_type.mime().to_owned(),
                extension: file.media_type.extension().to_owned(),
                description: file.title.clone(),
                bytes: file.bytes.clone(),
            })
            .collect();
        Ok(self
            .0
            .typeset_attached(&composed.document, emblem.as_ref(), &attachments)?
            .pdf()?)
    }
}
