//! The README's table of packs quotes each pack's counts of requirements
//! by coverage; they drifted from the packs once (the Docker pack's row
//! stayed at 99 when it grew to 106), so they are checked here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use palisade_frameworks::Coverage;

/// `| `id` (...) | 117 | 71 | 22 | 24 |` as the pack IDs and the numbers.
fn rows(readme: &str) -> Vec<(Vec<String>, Vec<String>)> {
    readme
        .lines()
        .filter(|line| line.starts_with("| `"))
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            let [pack, requirements, automated, partial, manual] = cells.as_slice() else {
                return None;
            };
            let ids: Vec<String> = pack
                .split('(')
                .next()?
                .split(',')
                .map(|id| id.trim().trim_matches('`').to_owned())
                .collect();
            let numbers = [requirements, automated, partial, manual]
                .iter()
                .map(|n| (**n).to_owned())
                .collect();
            Some((ids, numbers))
        })
        .collect()
}

#[test]
fn the_readme_quotes_each_packs_counts() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let rows = rows(&readme);
    let mut quoted = 0;
    for pack in palisade_frameworks::all() {
        let Some((ids, numbers)) = rows.iter().find(|(ids, _)| ids.contains(&pack.id)) else {
            panic!("the README's table of packs has no row for {}", pack.id);
        };
        let count = |coverage: Coverage| {
            pack.requirements
                .iter()
                .filter(|r| r.status == coverage)
                .count()
        };
        if ids.len() > 1 {
            // One row for several packs quotes their requirements only.
            let at = ids.iter().position(|id| *id == pack.id).unwrap();
            let requirements: Vec<&str> = numbers[0].split(',').map(str::trim).collect();
            assert_eq!(
                requirements[at],
                pack.requirements.len().to_string(),
                "{}",
                pack.id
            );
        } else {
            let shown = |n: usize| if n == 0 { String::new() } else { n.to_string() };
            let actual = [
                pack.requirements.len().to_string(),
                shown(count(Coverage::Automated)),
                shown(count(Coverage::Partial)),
                shown(count(Coverage::Manual)),
            ];
            let quoted_numbers: Vec<String> = numbers
                .iter()
                .map(|n| if n == "0" { String::new() } else { n.clone() })
                .collect();
            assert_eq!(quoted_numbers, actual, "the README's row for {}", pack.id);
        }
        quoted += 1;
    }
    assert!(quoted > 5, "{quoted}");
}
