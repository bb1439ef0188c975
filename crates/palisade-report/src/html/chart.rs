//! Charts as inline SVG: drawn by the page itself, no script, no font, no
//! external file; each carries its numbers as text for screen readers.

use std::fmt::Write;

use palisade_frameworks::compliance::Tally;

/// The verdicts a bar shows, in order, with their colours (the badges').
const PARTS: [(&str, &str); 6] = [
    ("pass", "#12b76a"),
    ("fail", "#d92d20"),
    ("waived", "#2e90fa"),
    ("manual", "#f79009"),
    ("not-run", "#98a2b3"),
    ("not-applicable", "#d0d5dd"),
];

fn counts(t: &Tally) -> [usize; 6] {
    [
        t.pass,
        t.fail,
        t.waived,
        t.manual,
        t.not_run,
        t.not_applicable,
    ]
}

/// A stacked bar of a framework's verdicts and its legend.
pub(super) fn verdict_bar(tally: &Tally) -> String {
    let counts = counts(tally);
    let total: usize = counts.iter().sum();
    let label = PARTS
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|((name, _), n)| format!("{n} {name}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut svg = format!(
        "<svg viewBox=\"0 0 300 18\" role=\"img\" aria-label=\"Requirements: {label}\" preserveAspectRatio=\"none\"><title>Requirements: {label}</title>"
    );
    let mut x = 0.0_f64;
    for ((name, colour), n) in PARTS.iter().zip(counts) {
        if n == 0 || total == 0 {
            continue;
        }
        let width = 300.0 * n as f64 / total as f64;
        let _ = write!(
            svg,
            "<rect class=\"bar-{name}\" x=\"{x:.2}\" y=\"0\" width=\"{width:.2}\" height=\"18\" fill=\"{colour}\"/>"
        );
        x += width;
    }
    if total == 0 {
        svg.push_str("<rect x=\"0\" y=\"0\" width=\"300\" height=\"18\" fill=\"#eaecf0\"/>");
    }
    svg.push_str("</svg><ul class=\"legend\">");
    for ((name, _), n) in PARTS.iter().zip(counts) {
        if n > 0 {
            let _ = write!(svg, "<li><i class=\"swatch-{name}\"></i>{n} {name}</li>");
        }
    }
    svg.push_str("</ul>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_split_by_the_verdicts_and_says_them() {
        let tally = Tally {
            pass: 3,
            fail: 1,
            ..Tally::default()
        };
        let svg = verdict_bar(&tally);
        assert!(
            svg.contains("aria-label=\"Requirements: 3 pass, 1 fail\""),
            "{svg}"
        );
        assert!(
            svg.contains("class=\"bar-pass\" x=\"0.00\" y=\"0\" width=\"225.00\""),
            "{svg}"
        );
        assert!(svg.contains("class=\"bar-fail\" x=\"225.00\""), "{svg}");
        assert!(!svg.contains("bar-waived"), "{svg}");
    }
}
