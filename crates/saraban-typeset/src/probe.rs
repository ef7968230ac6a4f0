//! Reads positions back from a typeset document, so that tests can check
//! the layout (where the emblem, the title, the signature went) rather than
//! only that a file was written.

use typst::layout::{Frame, FrameItem, Point, Transform};
use typst::visualize::{Geometry, Paint};
use typst_layout::PagedDocument;

/// A run of text on a page. Lengths in centimetres from the page's top-left
/// corner; `y` is the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedText {
    pub page: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    /// Font size in points.
    pub size: f64,
    pub text: String,
    pub family: String,
    pub bold: bool,
    /// Fill colour as "#rrggbb".
    pub color: String,
    /// The advance of each space in the run, justification included, in
    /// ems of the run's size: how wide the gaps between words came out.
    /// Spaces ending the run are left out: at the end of a line Typst
    /// keeps them, with no width.
    pub spaces: Vec<f64>,
}

/// An image or drawn rectangle (the emblem or its placeholder).
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedBox {
    pub page: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub is_image: bool,
}

#[derive(Debug, Default)]
pub struct Layout {
    pub page_sizes: Vec<(f64, f64)>,
    pub texts: Vec<PlacedText>,
    pub boxes: Vec<PlacedBox>,
}

impl Layout {
    pub fn of(document: &PagedDocument) -> Self {
        let mut layout = Layout::default();
        for (index, page) in document.pages().iter().enumerate() {
            let size = page.frame.size();
            layout.page_sizes.push((size.x.to_cm(), size.y.to_cm()));
            walk(&page.frame, Transform::identity(), index, &mut layout);
        }
        layout
    }

    /// The first run whose text contains `needle`.
    pub fn find(&self, needle: &str) -> Option<&PlacedText> {
        self.texts.iter().find(|t| t.text.contains(needle))
    }

    /// Text runs on one baseline of one page, joined, in reading order.
    pub fn lines(&self, page: usize) -> Vec<(f64, String)> {
        let mut runs: Vec<&PlacedText> = self.texts.iter().filter(|t| t.page == page).collect();
        runs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
        let mut lines: Vec<(f64, String)> = Vec::new();
        for run in runs {
            match lines.last_mut() {
                Some((y, text)) if (*y - run.y).abs() < 0.05 => text.push_str(&run.text),
                _ => lines.push((run.y, run.text.clone())),
            }
        }
        lines
    }
}

fn walk(frame: &Frame, transform: Transform, page: usize, layout: &mut Layout) {
    for (pos, item) in frame.items() {
        let at = |p: Point| p.transform(transform);
        match item {
            FrameItem::Group(group) => {
                let inner = transform
                    .pre_concat(Transform::translate(pos.x, pos.y))
                    .pre_concat(group.transform);
                walk(&group.frame, inner, page, layout);
            }
            FrameItem::Text(text) => {
                let origin = at(*pos);
                let info = text.font.font().info();
                layout.texts.push(PlacedText {
                    page,
                    x: origin.x.to_cm(),
                    y: origin.y.to_cm(),
                    width: text.width().to_cm(),
                    size: text.size.to_pt(),
                    text: text.text.to_string(),
                    family: info.family.clone(),
                    bold: info.variant.weight.to_number() >= 600,
                    color: match &text.fill {
                        Paint::Solid(color) => color.to_hex().to_string(),
                        _ => String::new(),
                    },
                    spaces: text
                        .glyphs
                        .iter()
                        .rev()
                        .skip_while(|g| text.text.get(g.range()) == Some(" "))
                        .filter(|g| text.text.get(g.range()) == Some(" "))
                        .map(|g| g.x_advance.get())
                        .collect(),
                });
            }
            FrameItem::Image(_, size, _) => {
                let origin = at(*pos);
                layout.boxes.push(PlacedBox {
                    page,
                    x: origin.x.to_cm(),
                    y: origin.y.to_cm(),
                    width: size.x.to_cm(),
                    height: size.y.to_cm(),
                    is_image: true,
                });
            }
            FrameItem::Shape(shape, _) => {
                if let Geometry::Rect(size) = shape.geometry {
                    let origin = at(*pos);
                    layout.boxes.push(PlacedBox {
                        page,
                        x: origin.x.to_cm(),
                        y: origin.y.to_cm(),
                        width: size.x.to_cm(),
                        height: size.y.to_cm(),
                        is_image: false,
                    });
                }
            }
            FrameItem::Link(..) | FrameItem::Tag(_) => {}
        }
    }
}
