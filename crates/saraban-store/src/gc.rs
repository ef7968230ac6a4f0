//! `saraban gc`: the objects of the content store that no row names. A
//! crash between an object's put and the commit of the event that names
//! it, a refused attachment, or a destruction whose deletes did not finish
//! leaves one; it is harmless, and listed (or removed) here once it is old
//! enough that no transition can still be about to name it.

use chrono::{DateTime, Utc};

use crate::content::StoredObject;
use crate::error::Result;
use crate::store::Store;

impl Store {
    /// The objects no row names, last written before `older_than`.
    pub async fn content_orphans(&self, older_than: DateTime<Utc>) -> Result<Vec<StoredObject>> {
        crate::content::orphans(&self.pool, &self.content, older_than).await
    }

    /// Removes the orphans older than `older_than`, each checked again just
    /// before it goes; returns those removed.
    pub async fn delete_content_orphans(
        &self,
        older_than: DateTime<Utc>,
    ) -> Result<Vec<StoredObject>> {
        let orphans = self.content_orphans(older_than).await?;
        let mut removed = Vec::with_capacity(orphans.len());
        for orphan in orphans {
            // A row written since the listing names it now: it stays.
            if let Some((org, kind, sha256)) = &orphan.named {
                let mut conn = self.pool.acquire().await?;
                if crate::content::recorded(&mut conn, org, *kind, sha256).await? {
                    continue;
                }
            }
            self.content.delete_key(&orphan.key).await?;
            removed.push(orphan);
        }
        Ok(removed)
    }
}
