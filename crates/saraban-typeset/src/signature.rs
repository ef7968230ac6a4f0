//! A handwritten signature as saraban prints it: an uploaded PNG (drawn on
//! a browser canvas, or scanned on white paper) checked, cleaned and made
//! one normal form: paper made transparent, trimmed to the ink, scaled to
//! the height of the signature line, written again as an RGBA PNG. The
//! same upload always gives the same bytes, so their SHA-256 names the
//! image in the approval records and in the document.

use std::fmt;
use std::io::Cursor;

use saraban_core::enclosure::Sha256;

/// The largest upload accepted.
pub const MAX_INPUT_BYTES: usize = 5 * 1024 * 1024;
/// The widest or tallest image accepted, in pixels.
pub const MAX_SIDE_PX: u32 = 6000;
/// The most pixels accepted (a 6000 × 2000 canvas).
pub const MAX_PIXELS: u64 = 12_000_000;
/// The height of every normalised image: 1.27 cm at 300 dpi, the height
/// the templates print it at.
pub const HEIGHT_PX: u32 = 150;
/// The widest normalised image: five times its height.
pub const MAX_WIDTH_PX: u32 = 5 * HEIGHT_PX;
/// The largest normalised PNG.
pub const MAX_OUTPUT_BYTES: usize = 200 * 1024;

/// Transparent room kept around the ink, in output pixels.
const MARGIN_PX: u32 = 6;
/// A small drawing is enlarged at most this much; more would only print
/// its pixels large.
const MAX_UPSCALE: f32 = 4.0;
/// Cleaned alpha from which a pixel counts as ink when trimming.
const INK_ALPHA: u8 = 64;
/// Fewer ink pixels than this is a speck, not a signature.
const MIN_INK_PIXELS: usize = 12;
/// Below this alpha a cleaned pixel is dropped (dust, faint noise).
const MIN_ALPHA: u8 = 24;
/// The decoder's own buffers (rows, chunks), apart from the image.
const DECODER_BUFFER_BYTES: usize = 16 * 1024 * 1024;

/// A signature ready to print: `png` is `height_px` tall, RGBA, and named
/// by `sha256`, the lowercase hex SHA-256 of its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureImage {
    pub png: Vec<u8>,
    pub sha256: String,
    pub width_px: u32,
    pub height_px: u32,
}

impl fmt::Debug for SignatureImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignatureImage")
            .field("sha256", &self.sha256)
            .field("width_px", &self.width_px)
            .field("height_px", &self.height_px)
            .field("png_bytes", &self.png.len())
            .finish()
    }
}

/// Why an uploaded signature is refused. `code` is stable for clients;
/// `thai_message` is for the person who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRefusal {
    #[error("the file is empty")]
    Empty,
    /// `found`: what the bytes are instead, when saraban can tell.
    #[error("the file is {}, not a PNG", found.map_or("not an image saraban knows".to_owned(), |f| format!("a {f} image")))]
    NotPng { found: Option<&'static str> },
    #[error("the file is {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error(
        "the image is {width} × {height} pixels, over the limit of {MAX_SIDE_PX} a side and {MAX_PIXELS} in all"
    )]
    TooManyPixels { width: u32, height: u32 },
    #[error("the PNG is damaged and cannot be read")]
    Corrupt,
    #[error("no signature was found in the image: it is blank or only paper")]
    NoInk,
    /// Cleaned and scaled, it still did not fit `MAX_OUTPUT_BYTES`: a
    /// photograph, not pen strokes.
    #[error("the image has too much detail to be a signature")]
    TooDetailed,
}

impl SignatureRefusal {
    /// A stable identifier for clients and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotPng { .. } => "not_png",
            Self::TooLarge { .. } => "too_large",
            Self::TooManyPixels { .. } => "too_many_pixels",
            Self::Corrupt => "corrupt",
            Self::NoInk => "no_ink",
            Self::TooDetailed => "too_detailed",
        }
    }

    /// A sentence for the user, in Thai.
    pub fn thai_message(&self) -> String {
        match self {
            Self::Empty => "ไฟล์ลายมือชื่อว่าง ไม่มีข้อมูล".into(),
            Self::NotPng { found: Some(found) } => {
                format!("ไฟล์ลายมือชื่อเป็นภาพ {found} ไม่ใช่ PNG โปรดส่งเป็นไฟล์ PNG")
            }
            Self::NotPng { found: None } => "ไฟล์ลายมือชื่อไม่ใช่ภาพ PNG โปรดส่งเป็นไฟล์ PNG".into(),
            Self::TooLarge { size, limit } => format!(
                "ไฟล์ลายมือชื่อมีขนาด {} เกินกำหนด {}",
                megabytes(*size),
                megabytes(*limit)
            ),
            Self::TooManyPixels { width, height } => format!(
                "ภาพลายมือชื่อมีขนาด {width} × {height} พิกเซล เกินกำหนด \
                 (ด้านละไม่เกิน {MAX_SIDE_PX} พิกเซล และรวมไม่เกิน {} ล้านพิกเซล)",
                MAX_PIXELS / 1_000_000
            ),
            Self::Corrupt => "ไฟล์ PNG ของลายมือชื่อเสียหาย อ่านไม่ได้".into(),
            Self::NoInk => "ไม่พบลายมือชื่อในภาพ ภาพว่างหรือมีแต่พื้นกระดาษ".into(),
            Self::TooDetailed => {
                "ภาพนี้มีรายละเอียดมากเกินกว่าจะเป็นลายมือชื่อ โปรดส่งภาพลายมือชื่อบนพื้นขาวหรือพื้นโปร่งใส".into()
            }
        }
    }
}

fn megabytes(bytes: usize) -> String {
    let tenths = (bytes as u64 * 10).div_ceil(1024 * 1024);
    format!("{}.{} MB", tenths / 10, tenths % 10)
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Checks, cleans and normalises an uploaded signature (see the module).
pub fn normalise_signature(bytes: &[u8]) -> Result<SignatureImage, SignatureRefusal> {
    if bytes.is_empty() {
        return Err(SignatureRefusal::Empty);
    }
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err(SignatureRefusal::NotPng {
            found: other_format(bytes),
        });
    }
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(SignatureRefusal::TooLarge {
            size: bytes.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    // The size the header declares, checked before anything is decoded
    // or allocated: a few bytes may declare a gigapixel image.
    let (width, height) = declared_size(bytes)?;
    if width > MAX_SIDE_PX
        || height > MAX_SIDE_PX
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(SignatureRefusal::TooManyPixels { width, height });
    }
    let source = decode(bytes)?;
    let paper = paper_level(&source);
    let ink = ink_box(&source, paper).ok_or(SignatureRefusal::NoInk)?;
    let (png, width_px) = render(&source, paper, ink)?;
    Ok(SignatureImage {
        sha256: Sha256::of(&png).to_string(),
        png,
        width_px,
        height_px: HEIGHT_PX,
    })
}

/// What a file that is not a PNG is, told from its first bytes.
fn other_format(bytes: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"\xFF\xD8\xFF") {
        Some("JPEG")
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        Some("GIF")
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Some("WebP")
    } else if at(0, b"II*\0") || at(0, b"MM\0*") {
        Some("TIFF")
    } else if at(0, b"BM") && bytes.len() > 26 {
        Some("BMP")
    } else if at(4, b"ftypheic") || at(4, b"ftypheix") || at(4, b"ftypmif1") {
        Some("HEIC")
    } else if at(4, b"ftypavif") {
        Some("AVIF")
    } else if at(0, b"%PDF-") {
        Some("PDF")
    } else {
        let head = std::str::from_utf8(&bytes[..bytes.len().min(512)]).ok()?;
        head.contains("<svg").then_some("SVG")
    }
}

/// Width and height from the IHDR chunk, which must come first.
fn declared_size(bytes: &[u8]) -> Result<(u32, u32), SignatureRefusal> {
    let header = bytes.get(8..24).ok_or(SignatureRefusal::Corrupt)?;
    if header[..8] != *b"\0\0\0\x0dIHDR" {
        return Err(SignatureRefusal::Corrupt);
    }
    let word = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let (width, height) = (word(8), word(12));
    if width == 0 || height == 0 {
        return Err(SignatureRefusal::Corrupt);
    }
    Ok((width, height))
}

/// A decoded image, 8 bits a channel, `channels` 1 to 4 (grey, grey and
/// alpha, RGB, RGBA).
struct Decoded {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

impl Decoded {
    /// The pixel at (x, y) as straight RGBA.
    fn rgba(&self, x: usize, y: usize) -> [u8; 4] {
        let at = (y * self.width + x) * self.channels;
        let p = &self.pixels[at..at + self.channels];
        match self.channels {
            1 => [p[0], p[0], p[0], 255],
            2 => [p[0], p[0], p[0], p[1]],
            3 => [p[0], p[1], p[2], 255],
            _ => [p[0], p[1], p[2], p[3]],
        }
    }
}

fn decode(bytes: &[u8]) -> Result<Decoded, SignatureRefusal> {
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: DECODER_BUFFER_BYTES,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    let mut reader = decoder.read_info().map_err(|_| SignatureRefusal::Corrupt)?;
    let size = reader
        .output_buffer_size()
        .ok_or(SignatureRefusal::Corrupt)?;
    let mut pixels = vec![0; size];
    // The first frame: an animated PNG prints as its still image.
    let frame = reader
        .next_frame(&mut pixels)
        .map_err(|_| SignatureRefusal::Corrupt)?;
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(SignatureRefusal::Corrupt),
    };
    let (width, height) = (frame.width as usize, frame.height as usize);
    if frame.bit_depth != png::BitDepth::Eight || frame.line_size != width * channels {
        return Err(SignatureRefusal::Corrupt);
    }
    pixels.truncate(width * height * channels);
    Ok(Decoded {
        width,
        height,
        channels,
        pixels,
    })
}

/// Rec. 601 luma, 0 (black) to 255 (white).
fn luma([r, g, b, _]: [u8; 4]) -> u32 {
    (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b)) / 1000
}

/// How light a pixel must be to count as paper. A canvas drawing is
/// mostly transparent: its paper is white. A scan is mostly paper: the
/// median of its opaque pixels, less a little, so that grey paper goes too.
fn paper_level(image: &Decoded) -> u32 {
    let mut histogram = [0usize; 256];
    let mut opaque = 0usize;
    for y in 0..image.height {
        for x in 0..image.width {
            let pixel = image.rgba(x, y);
            if pixel[3] >= 128 {
                histogram[luma(pixel) as usize] += 1;
                opaque += 1;
            }
        }
    }
    if opaque * 2 < image.width * image.height {
        return 215;
    }
    let mut seen = 0;
    let median = histogram
        .iter()
        .position(|count| {
            seen += count;
            seen * 2 >= opaque
        })
        .unwrap_or(255) as u32;
    median.saturating_sub(25).clamp(140, 215)
}

/// The pixel as printed: paper made transparent, pixels a little darker
/// than paper faded (the edge of a stroke on a scan), ink kept in its own
/// colour.
fn clean(pixel: [u8; 4], paper: u32) -> [u8; 4] {
    const FADE: u32 = 60;
    let light = luma(pixel);
    let keep = if light >= paper {
        0
    } else if light + FADE <= paper {
        255
    } else {
        (paper - light) * 255 / FADE
    };
    let alpha = (u32::from(pixel[3]) * keep / 255) as u8;
    if alpha < MIN_ALPHA {
        [0; 4]
    } else {
        [pixel[0], pixel[1], pixel[2], alpha]
    }
}

/// The box around the ink: left, top, width, height.
#[derive(Debug, Clone, Copy)]
struct InkBox {
    x: usize,
    y: usize,
    width: usize,
    height: usize,
}

fn ink_box(image: &Decoded, paper: u32) -> Option<InkBox> {
    let (mut left, mut top, mut right, mut bottom) = (usize::MAX, usize::MAX, 0, 0);
    let mut count = 0usize;
    for y in 0..image.height {
        for x in 0..image.width {
            if clean(image.rgba(x, y), paper)[3] >= INK_ALPHA {
                count += 1;
                left = left.min(x);
                right = right.max(x);
                top = top.min(y);
                bottom = bottom.max(y);
            }
        }
    }
    (count >= MIN_INK_PIXELS).then(|| InkBox {
        x: left,
        y: top,
        width: right - left + 1,
        height: bottom - top + 1,
    })
}

/// For each output pixel along one axis, the source pixels it takes and
/// their weights: a tent filter, as wide as a source pixel when enlarging
/// and as an output pixel when reducing.
fn taps(source: usize, output: usize) -> Vec<(usize, Vec<f32>)> {
    let scale = output as f32 / source as f32;
    let radius = (1.0 / scale).max(1.0);
    (0..output)
        .map(|o| {
            let centre = (o as f32 + 0.5) / scale - 0.5;
            let first = ((centre - radius).ceil().max(0.0)) as usize;
            let last = ((centre + radius).floor() as usize).min(source - 1);
            let first = first.min(last);
            let mut weights: Vec<f32> = (first..=last)
                .map(|s| (1.0 - (s as f32 - centre).abs() / radius).max(0.0))
                .collect();
            let total: f32 = weights.iter().sum();
            if total > 0.0 {
                weights.iter_mut().for_each(|w| *w /= total);
            } else {
                // The centre fell between taps: take the nearest pixel.
                weights.iter_mut().for_each(|w| *w = 0.0);
                let nearest = (centre.round().max(0.0) as usize).clamp(first, last);
                weights[nearest - first] = 1.0;
            }
            (first, weights)
        })
        .collect()
}

/// The ink scaled to the fixed height, on a transparent canvas, as PNG
/// bytes; and the canvas width.
fn render(image: &Decoded, paper: u32, ink: InkBox) -> Result<(Vec<u8>, u32), SignatureRefusal> {
    let room_h = (HEIGHT_PX - 2 * MARGIN_PX) as f32;
    let room_w = (MAX_WIDTH_PX - 2 * MARGIN_PX) as f32;
    let scale = (room_h / ink.height as f32)
        .min(room_w / ink.width as f32)
        .min(MAX_UPSCALE);
    let out_w = ((ink.width as f32 * scale).round() as usize).clamp(1, room_w as usize);
    let out_h = ((ink.height as f32 * scale).round() as usize).clamp(1, room_h as usize);

    // Premultiplied, so that transparent pixels lend no colour.
    let premultiplied = |x: usize, y: usize| -> [f32; 4] {
        let [r, g, b, a] = clean(image.rgba(ink.x + x, ink.y + y), paper);
        let a = f32::from(a) / 255.0;
        [f32::from(r) * a, f32::from(g) * a, f32::from(b) * a, a]
    };
    // Rows first: the intermediate is then `out_h` rows of the ink's width.
    let rows = taps(ink.height, out_h);
    let mut between = vec![[0f32; 4]; out_h * ink.width];
    for (oy, (first, weights)) in rows.iter().enumerate() {
        for x in 0..ink.width {
            let mut sum = [0f32; 4];
            for (k, w) in weights.iter().enumerate() {
                if *w != 0.0 {
                    let p = premultiplied(x, first + k);
                    sum.iter_mut().zip(p).for_each(|(s, v)| *s += v * w);
                }
            }
            between[oy * ink.width + x] = sum;
        }
    }
    let canvas_w = out_w + 2 * MARGIN_PX as usize;
    let canvas_h = HEIGHT_PX as usize;
    let top = (canvas_h - out_h) / 2;
    let left = MARGIN_PX as usize;
    let mut canvas = vec![0u8; canvas_w * canvas_h * 4];
    let columns = taps(ink.width, out_w);
    for oy in 0..out_h {
        let row = &between[oy * ink.width..(oy + 1) * ink.width];
        for (ox, (first, weights)) in columns.iter().enumerate() {
            let mut sum = [0f32; 4];
            for (k, w) in weights.iter().enumerate() {
                sum.iter_mut()
                    .zip(row[first + k])
                    .for_each(|(s, v)| *s += v * w);
            }
            let alpha = (sum[3] * 255.0).round().clamp(0.0, 255.0) as u8;
            if alpha == 0 {
                continue;
            }
            let colour = |c: f32| (c / sum[3]).round().clamp(0.0, 255.0) as u8;
            let at = ((top + oy) * canvas_w + left + ox) * 4;
            canvas[at..at + 4].copy_from_slice(&[
                colour(sum[0]),
                colour(sum[1]),
                colour(sum[2]),
                alpha,
            ]);
        }
    }
    let png = encode(&canvas, canvas_w as u32, canvas_h as u32);
    if png.len() > MAX_OUTPUT_BYTES {
        return Err(SignatureRefusal::TooDetailed);
    }
    Ok((png, canvas_w as u32))
}

/// RGBA PNG with no chunk but the image: no time, no software name, so
/// the bytes depend only on the pixels.
fn encode(rgba: &[u8], width: u32, height: u32) -> Vec<u8> {
    const SOUND: &str = "an RGBA buffer of its declared size encodes into memory";
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().expect(SOUND);
    writer.write_image_data(rgba).expect(SOUND);
    writer.finish().expect(SOUND);
    out
}
