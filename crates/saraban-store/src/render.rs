//! Typesetting off the async threads: issued PDFs, previews and SVG pages.

use crate::error::{Result, StoreError};
use crate::store::Store;

/// Typesets off the async threads, and takes `output` of the result.
pub(crate) async fn typeset<T: Send + 'static>(
    typesetter: &saraban_typeset::Typesetter,
    document: saraban_core::Document,
    emblem: Option<Vec<u8>>,
    output: fn(&saraban_typeset::Typeset) -> Result<T>,
) -> Result<T> {
    let typesetter = typesetter.clone();
    tokio::task::spawn_blocking(move || {
        let emblem = emblem
            .map(saraban_typeset::Emblem::from_bytes)
            .transpose()
            .map_err(StoreError::render)?;
        let typeset = typesetter
            .typeset(&document, emblem.as_ref())
            .map_err(StoreError::render)?;
        output(&typeset)
    })
    .await
    .map_err(StoreError::render)?
}

/// The PDF of `document`.
pub(crate) async fn render(
    typesetter: &saraban_typeset::Typesetter,
    document: saraban_core::Document,
    emblem: Option<Vec<u8>>,
) -> Result<Vec<u8>> {
    typeset(typesetter, document, emblem, |typeset| {
        typeset.pdf().map_err(StoreError::render)
    })
    .await
}

impl Store {
    pub(crate) async fn render(
        &self,
        document: saraban_core::Document,
        emblem: Option<Vec<u8>>,
    ) -> Result<Vec<u8>> {
        render(&self.typesetter, document, emblem).await
    }
}
