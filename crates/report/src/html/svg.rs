//! The inline SVG drawings: the bar chart of failing findings and the
//! drawing of an attack path's evidence chain. Coordinates are integers so
//! the output is byte-for-byte stable.

use std::fmt::Write as _;

use eksposture_model::text::truncate_chars;
use eksposture_model::{Evidence, Severity};

use super::text::{short_id, type_label, wrap, Esc};

/// Links per row of a path drawing; longer chains wrap onto further rows.
const PATH_COLS: usize = 3;
const BOX_W: usize = 296;
const BOX_H: usize = 100;
/// Room for the arrow between two boxes of a row.
const GAP_X: usize = 52;
/// Room for the arrow from the end of one row to the start of the next.
const GAP_Y: usize = 40;
const PAD: usize = 10;
/// Characters per line that fit a box at the CSS font sizes of `.pd`.
const ID_CHARS: usize = 34;
const DETAIL_CHARS: usize = 42;
const DETAIL_LINES: usize = 3;

/// One evidence chain as boxes and arrows, in chain order: left to right,
/// row after row. Each box shows the step number and resource type, the
/// short id and the detail; the full text is in the box's tooltip and in the
/// finding's evidence list.
pub fn path_drawing(out: &mut String, evidence: &[Evidence]) {
    let n = evidence.len();
    let cols = n.clamp(1, PATH_COLS);
    let rows = n.div_ceil(PATH_COLS).max(1);
    let width = 2 * PAD + cols * BOX_W + (cols - 1) * GAP_X;
    let height = 2 * PAD + rows * BOX_H + (rows - 1) * GAP_Y;
    let label: Vec<String> = evidence
        .iter()
        .map(|e| format!("{} {}", type_label(&e.kind), short_id(&e.id)))
        .collect();
    let _ = write!(
        out,
        r#"<svg class="pd" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="Attack path: {}">"#,
        Esc(&label.join(" → "))
    );
    let origin = |i: usize| {
        (
            PAD + (i % PATH_COLS) * (BOX_W + GAP_X),
            PAD + (i / PATH_COLS) * (BOX_H + GAP_Y),
        )
    };
    for i in 1..n {
        let (px, py) = origin(i - 1);
        let (x, y) = origin(i);
        if y == py {
            let cy = y + BOX_H / 2;
            let (x1, x2) = (px + BOX_W, x - 2);
            let _ = write!(
                out,
                r#"<path class="ar" d="M{x1} {cy}H{}"/><path class="ah" d="M{x2} {cy}l-9 -5v10z"/>"#,
                x2 - 8
            );
        } else {
            let (sx, ex) = (px + BOX_W / 2, x + BOX_W / 2);
            let (sy, my, ey) = (py + BOX_H, py + BOX_H + GAP_Y / 2, y - 2);
            let _ = write!(
                out,
                r#"<path class="ar" d="M{sx} {sy}V{my}H{ex}V{}"/><path class="ah" d="M{ex} {ey}l-5 -9h10z"/>"#,
                ey - 8
            );
        }
    }
    for (i, e) in evidence.iter().enumerate() {
        let (x, y) = origin(i);
        let class = if e.kind == "Gap" {
            "nd gap"
        } else if i + 1 == n && n > 1 {
            "nd end"
        } else {
            "nd"
        };
        let _ = write!(
            out,
            r#"<g class="{class}"><title>{}&#10;{}&#10;{}</title><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>"#,
            Esc(&e.kind),
            Esc(&e.id),
            Esc(&e.detail)
        );
        let tx = x + 12;
        let _ = write!(
            out,
            r#"<text class="ty" x="{tx}" y="{}">{} · {}</text><text class="id" x="{tx}" y="{}">{}</text>"#,
            y + 20,
            i + 1,
            Esc(&truncate_chars(&type_label(&e.kind), ID_CHARS + 4)),
            y + 40,
            Esc(&short_id(&e.id).chars().take(ID_CHARS).collect::<String>()),
        );
        for (l, line) in wrap(&e.detail, DETAIL_CHARS, DETAIL_LINES)
            .iter()
            .enumerate()
        {
            let _ = write!(
                out,
                r#"<text class="dt" x="{tx}" y="{}">{}</text>"#,
                y + 58 + l * 15,
                Esc(line)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
}

/// One stacked segment of the chart: how many failing findings of one
/// scope (cluster, region or account) the bar holds.
pub struct Segment<'a> {
    pub label: &'a str,
    /// CSS class giving the scope its colour.
    pub class: &'a str,
    pub count: u64,
}

const CHART_W: u64 = 760;
const LABEL_W: u64 = 118;
const BAR_MAX: u64 = 560;
const ROW_H: u64 = 30;
const BAR_H: u64 = 20;

/// Horizontal bars of failing findings per severity, each stacked by scope.
/// `rows` holds every severity, most severe first.
pub fn severity_chart(out: &mut String, rows: &[(Severity, Vec<Segment<'_>>)]) {
    let max = rows
        .iter()
        .map(|(_, segs)| segs.iter().map(|s| s.count).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let height = rows.len() as u64 * ROW_H + 10;
    let total: u64 = rows
        .iter()
        .flat_map(|(_, s)| s.iter().map(|s| s.count))
        .sum();
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {CHART_W} {height}" width="{CHART_W}" height="{height}" role="img" aria-label="{total} failing findings by severity">"#
    );
    for (r, (severity, segments)) in rows.iter().enumerate() {
        let y = 5 + r as u64 * ROW_H;
        let _ = write!(
            out,
            r#"<text class="cl" x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL_W - 10,
            y + BAR_H - 5,
            severity.as_str()
        );
        let mut before = 0;
        for s in segments.iter().filter(|s| s.count > 0) {
            let x1 = LABEL_W + before * BAR_MAX / max;
            before += s.count;
            let x2 = LABEL_W + before * BAR_MAX / max;
            let _ = write!(
                out,
                r#"<rect class="{}" x="{x1}" y="{y}" width="{}" height="{BAR_H}"><title>{}: {} {} failing</title></rect>"#,
                s.class,
                (x2 - x1).max(1),
                Esc(s.label),
                s.count,
                severity.as_str()
            );
        }
        let _ = write!(
            out,
            r#"<text class="cn" x="{}" y="{}">{before}</text>"#,
            LABEL_W + before * BAR_MAX / max + 8,
            y + BAR_H - 5
        );
    }
    let _ = write!(
        out,
        r#"<path class="axis" d="M{LABEL_W} 0V{height}"/></svg>"#
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<Evidence> {
        (0..n)
            .map(|i| {
                Evidence::new(
                    "AwsIamRole",
                    format!("arn:aws:iam::1:role/r{i}"),
                    format!("step {i}"),
                )
            })
            .collect()
    }

    #[test]
    fn draws_one_box_per_link_and_one_arrow_between_links() {
        for n in 1..=9 {
            let mut out = String::new();
            path_drawing(&mut out, &chain(n));
            assert_eq!(out.matches("<rect ").count(), n, "{out}");
            assert_eq!(out.matches(r#"class="ah""#).count(), n - 1, "{out}");
            for i in 0..n {
                assert!(out.contains(&format!(">r{i}</text>")), "{out}");
            }
        }
    }

    #[test]
    fn long_chains_wrap_onto_rows() {
        let mut out = String::new();
        path_drawing(&mut out, &chain(8));
        // 3 columns, 3 rows.
        let w = 2 * PAD + 3 * BOX_W + 2 * GAP_X;
        let h = 2 * PAD + 3 * BOX_H + 2 * GAP_Y;
        assert!(out.contains(&format!(r#"viewBox="0 0 {w} {h}""#)), "{out}");
        // Two arrows turn the corner from one row to the next (downwards).
        assert_eq!(out.matches("l-5 -9h10z").count(), 2, "{out}");
    }

    #[test]
    fn escapes_text_in_drawings() {
        let mut out = String::new();
        path_drawing(
            &mut out,
            &[Evidence::new(
                "AwsIamRole",
                "<b>",
                "</text><script>x</script>",
            )],
        );
        assert!(!out.contains("<script>") && !out.contains("<b>"), "{out}");
        assert!(out.contains("&lt;/text&gt;&lt;script&gt;"), "{out}");
    }

    #[test]
    fn stacks_segments_in_proportion() {
        let mut out = String::new();
        let seg = |label, class, count| Segment {
            label,
            class,
            count,
        };
        severity_chart(
            &mut out,
            &[
                (
                    Severity::Critical,
                    vec![seg("a", "k0", 1), seg("b", "k1", 3)],
                ),
                (Severity::High, vec![seg("a", "k0", 2), seg("b", "k1", 0)]),
            ],
        );
        // max 4: critical spans the whole bar, a quarter of it cluster a.
        assert!(
            out.contains(r#"class="k0" x="118" y="5" width="140""#),
            "{out}"
        );
        assert!(
            out.contains(r#"class="k1" x="258" y="5" width="420""#),
            "{out}"
        );
        assert!(
            out.contains(r#"class="k0" x="118" y="35" width="280""#),
            "{out}"
        );
        assert_eq!(
            out.matches("<rect").count(),
            3,
            "empty segments are not drawn"
        );
    }
}
