//! The inline SVG drawings: the bar chart of failing findings and the
//! drawing of an attack path's evidence chain. Coordinates are integers so
//! the output is byte-for-byte stable.

use std::fmt;

use eksposture_model::text::truncate_chars;
use eksposture_model::{Evidence, Severity};

use super::labels::{short_id, type_label, wrap};
use super::markup::Html;

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
pub fn path_drawing(h: &mut Html, evidence: &[Evidence]) {
    let n = evidence.len();
    let cols = n.clamp(1, PATH_COLS);
    let rows = n.div_ceil(PATH_COLS).max(1);
    let width = 2 * PAD + cols * BOX_W + (cols - 1) * GAP_X;
    let height = 2 * PAD + rows * BOX_H + (rows - 1) * GAP_Y;
    let label: Vec<String> = evidence
        .iter()
        .map(|e| format!("{} {}", type_label(&e.kind), short_id(&e.id)))
        .collect();
    h.open(
        "svg",
        &[
            ("class", &"pd"),
            ("viewBox", &format_args!("0 0 {width} {height}")),
            ("width", &width),
            ("height", &height),
            ("role", &"img"),
            (
                "aria-label",
                &format_args!("Attack path: {}", label.join(" → ")),
            ),
        ],
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
            arrow(
                h,
                format_args!("M{x1} {cy}H{}", x2 - 8),
                format_args!("M{x2} {cy}l-9 -5v10z"),
            );
        } else {
            let (sx, ex) = (px + BOX_W / 2, x + BOX_W / 2);
            let (sy, my, ey) = (py + BOX_H, py + BOX_H + GAP_Y / 2, y - 2);
            arrow(
                h,
                format_args!("M{sx} {sy}V{my}H{ex}V{}", ey - 8),
                format_args!("M{ex} {ey}l-5 -9h10z"),
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
        h.open("g", &[("class", &class)])
            .wrap("title", &[], |h| {
                // `&#10;`: a line break inside the tooltip.
                h.text(&e.kind)
                    .raw("&#10;")
                    .text(&e.id)
                    .raw("&#10;")
                    .text(&e.detail);
            })
            .solo(
                "rect",
                &[
                    ("x", &x),
                    ("y", &y),
                    ("width", &BOX_W),
                    ("height", &BOX_H),
                    ("rx", &6),
                ],
            );
        let tx = x + 12;
        h.el(
            "text",
            &[("class", &"ty"), ("x", &tx), ("y", &(y + 20))],
            format_args!(
                "{} · {}",
                i + 1,
                truncate_chars(&type_label(&e.kind), ID_CHARS + 4)
            ),
        )
        .el(
            "text",
            &[("class", &"id"), ("x", &tx), ("y", &(y + 40))],
            short_id(&e.id).chars().take(ID_CHARS).collect::<String>(),
        );
        for (l, line) in wrap(&e.detail, DETAIL_CHARS, DETAIL_LINES)
            .iter()
            .enumerate()
        {
            h.el(
                "text",
                &[("class", &"dt"), ("x", &tx), ("y", &(y + 58 + l * 15))],
                line,
            );
        }
        h.close("g");
    }
    h.close("svg");
}

/// A line and its arrowhead.
fn arrow(h: &mut Html, line: fmt::Arguments<'_>, head: fmt::Arguments<'_>) {
    h.solo("path", &[("class", &"ar"), ("d", &line)])
        .solo("path", &[("class", &"ah"), ("d", &head)]);
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
pub fn severity_chart(h: &mut Html, rows: &[(Severity, Vec<Segment<'_>>)]) {
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
    h.open(
        "svg",
        &[
            ("class", &"chart"),
            ("viewBox", &format_args!("0 0 {CHART_W} {height}")),
            ("width", &CHART_W),
            ("height", &height),
            ("role", &"img"),
            (
                "aria-label",
                &format_args!("{total} failing findings by severity"),
            ),
        ],
    );
    for (r, (severity, segments)) in rows.iter().enumerate() {
        let y = 5 + r as u64 * ROW_H;
        h.el(
            "text",
            &[
                ("class", &"cl"),
                ("x", &(LABEL_W - 10)),
                ("y", &(y + BAR_H - 5)),
                ("text-anchor", &"end"),
            ],
            severity.as_str(),
        );
        let mut before = 0;
        for s in segments.iter().filter(|s| s.count > 0) {
            let x1 = LABEL_W + before * BAR_MAX / max;
            before += s.count;
            let x2 = LABEL_W + before * BAR_MAX / max;
            h.wrap(
                "rect",
                &[
                    ("class", &s.class),
                    ("x", &x1),
                    ("y", &y),
                    ("width", &(x2 - x1).max(1)),
                    ("height", &BAR_H),
                ],
                |h| {
                    h.el(
                        "title",
                        &[],
                        format_args!("{}: {} {} failing", s.label, s.count, severity.as_str()),
                    );
                },
            );
        }
        h.el(
            "text",
            &[
                ("class", &"cn"),
                ("x", &(LABEL_W + before * BAR_MAX / max + 8)),
                ("y", &(y + BAR_H - 5)),
            ],
            before,
        );
    }
    h.solo(
        "path",
        &[
            ("class", &"axis"),
            ("d", &format_args!("M{LABEL_W} 0V{height}")),
        ],
    )
    .close("svg");
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
            let mut page = Html::default();
            path_drawing(&mut page, &chain(n));
            let out = page.into_string();
            assert_eq!(out.matches("<rect ").count(), n, "{out}");
            assert_eq!(out.matches(r#"class="ah""#).count(), n - 1, "{out}");
            for i in 0..n {
                assert!(out.contains(&format!(">r{i}</text>")), "{out}");
            }
        }
    }

    #[test]
    fn long_chains_wrap_onto_rows() {
        let mut page = Html::default();
        path_drawing(&mut page, &chain(8));
        let out = page.into_string();
        // 3 columns, 3 rows.
        let w = 2 * PAD + 3 * BOX_W + 2 * GAP_X;
        let h = 2 * PAD + 3 * BOX_H + 2 * GAP_Y;
        assert!(out.contains(&format!(r#"viewBox="0 0 {w} {h}""#)), "{out}");
        // Two arrows turn the corner from one row to the next (downwards).
        assert_eq!(out.matches("l-5 -9h10z").count(), 2, "{out}");
    }

    #[test]
    fn escapes_text_in_drawings() {
        let mut page = Html::default();
        path_drawing(
            &mut page,
            &[Evidence::new(
                "AwsIamRole",
                "<b>",
                "</text><script>x</script>",
            )],
        );
        let out = page.into_string();
        assert!(!out.contains("<script>") && !out.contains("<b>"), "{out}");
        assert!(out.contains("&lt;/text&gt;&lt;script&gt;"), "{out}");
    }

    #[test]
    fn stacks_segments_in_proportion() {
        let mut page = Html::default();
        let seg = |label, class, count| Segment {
            label,
            class,
            count,
        };
        severity_chart(
            &mut page,
            &[
                (
                    Severity::Critical,
                    vec![seg("a", "k0", 1), seg("b", "k1", 3)],
                ),
                (Severity::High, vec![seg("a", "k0", 2), seg("b", "k1", 0)]),
            ],
        );
        let out = page.into_string();
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
