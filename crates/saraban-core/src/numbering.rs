//! Register numbers as the log issued them: gapless and unique per
//! register and B.E. year, from the register's first number of that year.
//! One check, for the audit of a database and for an archive bundle
//! checked offline.

use std::collections::{BTreeMap, HashSet};

use crate::finding::FindingClass;

/// One number given by an issued event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuedNumber<'a> {
    pub register: &'a str,
    /// B.E.
    pub year: i32,
    pub number: u32,
    /// The issued event's place in the log.
    pub seq: u64,
    /// The document issued.
    pub document: &'a str,
}

/// The first number of each register year that does not start at 1 (a
/// paper register carried on), by (register, year).
pub type FirstNumbers<'a> = BTreeMap<(&'a str, i32), u32>;

/// The number a register's year starts at: its configured first, or 1.
pub fn first_number(firsts: &FirstNumbers<'_>, register: &str, year: i32) -> u32 {
    firsts.get(&(register, year)).copied().unwrap_or(1)
}

/// A number out of place: skipped to, before the first, or given again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFinding {
    /// [`FindingClass::NumberGap`] or [`FindingClass::DuplicateNumber`].
    pub class: FindingClass,
    pub register: String,
    pub year: i32,
    pub number: u32,
    /// The issued event that gave it.
    pub seq: u64,
    pub document: String,
    /// What is wrong, for people: `memo 2568: number 3 where 2 was due`.
    pub detail: String,
}

/// What [`check_numbers`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberCheck {
    /// By register, year, then number.
    pub findings: Vec<NumberFinding>,
    /// The number due next in each register year that issued any: one
    /// past the highest number given (or the first, if all were before it).
    pub next: BTreeMap<(String, i32), u32>,
}

impl NumberCheck {
    /// The number due next in a register year, issued in or not.
    pub fn next_due(&self, firsts: &FirstNumbers<'_>, register: &str, year: i32) -> u32 {
        self.next
            .get(&(register.to_owned(), year))
            .copied()
            .unwrap_or_else(|| first_number(firsts, register, year))
    }
}

/// Holds the issued numbers (in any order) to their registers' years:
/// each year's numbers run from its first number, each once, without a
/// gap. Every number out of place is a finding; a number given again is
/// one of the event that gave it later in the log.
pub fn check_numbers(issued: &[IssuedNumber<'_>], firsts: &FirstNumbers<'_>) -> NumberCheck {
    let mut years: BTreeMap<(&str, i32), Vec<&IssuedNumber<'_>>> = BTreeMap::new();
    for issue in issued {
        years
            .entry((issue.register, issue.year))
            .or_default()
            .push(issue);
    }
    let mut check = NumberCheck::default();
    for ((register, year), mut numbered) in years {
        numbered.sort_by_key(|issue| (issue.number, issue.seq));
        let first = first_number(firsts, register, year);
        let mut expected = first;
        let mut seen = HashSet::new();
        for issue in numbered {
            let number = issue.number;
            let (class, detail) = if !seen.insert(number) {
                (
                    FindingClass::DuplicateNumber,
                    format!("{register} {year}: number {number} given again"),
                )
            } else if number < expected {
                // Only before any number was taken: they run in order.
                (
                    FindingClass::NumberGap,
                    format!("{register} {year}: number {number} where {first}, the first, was due"),
                )
            } else {
                let due = expected;
                expected = number.saturating_add(1);
                if number == due {
                    continue;
                }
                (
                    FindingClass::NumberGap,
                    format!("{register} {year}: number {number} where {due} was due"),
                )
            };
            check.findings.push(NumberFinding {
                class,
                register: register.to_owned(),
                year,
                number,
                seq: issue.seq,
                document: issue.document.to_owned(),
                detail,
            });
        }
        check.next.insert((register.to_owned(), year), expected);
    }
    check
}

/// A register year's counter (the number it would give next) against the
/// number due: ahead of it skips a number, behind it repeats one.
pub fn check_counter(
    register: &str,
    year: i32,
    counter: i64,
    due: u32,
) -> Option<(FindingClass, String)> {
    match counter.cmp(&i64::from(due)) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some((
            FindingClass::NumberGap,
            format!("{register} {year}: the next number is {counter}, not {due}"),
        )),
        std::cmp::Ordering::Less => Some((
            FindingClass::DuplicateNumber,
            format!("{register} {year}: the next number {counter} was given already"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Numbers `first..first + count` of each (register, year, first,
    /// count), each with an event and a document of its own.
    fn run_of(years: &[(&'static str, i32, u32, u32)]) -> Vec<(String, i32, u32)> {
        years
            .iter()
            .flat_map(|&(register, year, first, count)| {
                (first..first + count).map(move |n| (register.to_owned(), year, n))
            })
            .collect()
    }

    fn issued(numbers: &[(String, i32, u32)]) -> Vec<IssuedNumber<'_>> {
        numbers
            .iter()
            .zip(1u64..)
            .map(|((register, year, number), seq)| IssuedNumber {
                register,
                year: *year,
                number: *number,
                seq,
                document: "doc",
            })
            .collect()
    }

    fn classes(check: &NumberCheck) -> Vec<(FindingClass, u32)> {
        check.findings.iter().map(|f| (f.class, f.number)).collect()
    }

    #[test]
    fn a_gapless_run_from_one_holds() {
        let numbers = run_of(&[
            ("memo", 2568, 1, 4),
            ("memo", 2569, 1, 2),
            ("order", 2568, 1, 3),
        ]);
        let check = check_numbers(&issued(&numbers), &FirstNumbers::new());
        assert!(check.findings.is_empty(), "{:?}", check.findings);
        assert_eq!(check.next[&("memo".to_owned(), 2568)], 5);
        assert_eq!(check.next_due(&FirstNumbers::new(), "order", 2568), 4);
        assert_eq!(check.next_due(&FirstNumbers::new(), "order", 2570), 1);
    }

    #[test]
    fn a_skipped_number_is_a_gap() {
        let numbers = run_of(&[("memo", 2568, 1, 2), ("memo", 2568, 4, 1)]);
        let check = check_numbers(&issued(&numbers), &FirstNumbers::new());
        assert_eq!(classes(&check), [(FindingClass::NumberGap, 4)]);
        assert_eq!(
            check.findings[0].detail,
            "memo 2568: number 4 where 3 was due"
        );
        assert_eq!(check.findings[0].seq, 3);
        assert_eq!(check.next[&("memo".to_owned(), 2568)], 5);
    }

    #[test]
    fn a_number_given_twice_is_a_duplicate_of_the_later_event() {
        let numbers = run_of(&[("memo", 2568, 1, 3), ("memo", 2568, 2, 1)]);
        let check = check_numbers(&issued(&numbers), &FirstNumbers::new());
        assert_eq!(classes(&check), [(FindingClass::DuplicateNumber, 2)]);
        assert_eq!(check.findings[0].seq, 4);
        assert_eq!(check.findings[0].detail, "memo 2568: number 2 given again");
    }

    #[test]
    fn numbers_start_at_the_registers_first_number_of_that_year() {
        let firsts = FirstNumbers::from([(("memo", 2568), 120)]);
        let numbers = run_of(&[("memo", 2568, 120, 3), ("memo", 2569, 1, 2)]);
        let check = check_numbers(&issued(&numbers), &firsts);
        assert!(check.findings.is_empty(), "{:?}", check.findings);
        // Starting at 1 where 120 is the first: each number before it.
        let numbers = run_of(&[("memo", 2568, 1, 2)]);
        let check = check_numbers(&issued(&numbers), &firsts);
        assert_eq!(
            classes(&check),
            [(FindingClass::NumberGap, 1), (FindingClass::NumberGap, 2)]
        );
        assert_eq!(
            check.findings[0].detail,
            "memo 2568: number 1 where 120, the first, was due"
        );
        assert_eq!(check.next_due(&firsts, "memo", 2568), 120);
        // Starting after the first is a gap too.
        let numbers = run_of(&[("memo", 2568, 121, 1)]);
        let check = check_numbers(&issued(&numbers), &firsts);
        assert_eq!(classes(&check), [(FindingClass::NumberGap, 121)]);
    }

    #[test]
    fn a_counter_stands_where_the_numbers_end() {
        assert_eq!(check_counter("memo", 2568, 5, 5), None);
        let ahead = check_counter("memo", 2568, 6, 5).unwrap();
        assert_eq!(ahead.0, FindingClass::NumberGap);
        let behind = check_counter("memo", 2568, 4, 5).unwrap();
        assert_eq!(behind.0, FindingClass::DuplicateNumber);
    }

    /// Register years, each with a first number and a count of numbers.
    fn register_years() -> impl Strategy<Value = Vec<(String, i32, u32, u32)>> {
        prop::collection::btree_map(
            (
                prop::sample::select(vec!["memo", "order", "out"]),
                2566..2570i32,
            ),
            (1u32..50, 1u32..12),
            1..5,
        )
        .prop_map(|years| {
            years
                .into_iter()
                .map(|((register, year), (first, count))| (register.to_owned(), year, first, count))
                .collect()
        })
    }

    fn numbers_of(years: &[(String, i32, u32, u32)]) -> Vec<(String, i32, u32)> {
        years
            .iter()
            .flat_map(|(register, year, first, count)| {
                (*first..first + count).map(move |n| (register.clone(), *year, n))
            })
            .collect()
    }

    fn firsts_of(years: &[(String, i32, u32, u32)]) -> FirstNumbers<'_> {
        years
            .iter()
            .map(|(register, year, first, _)| ((register.as_str(), *year), *first))
            .collect()
    }

    proptest! {
        #[test]
        fn gapless_runs_hold_in_any_order(
            (years, numbers) in register_years().prop_flat_map(|years| {
                let numbers = numbers_of(&years);
                (Just(years), Just(numbers).prop_shuffle())
            })
        ) {
            let firsts = firsts_of(&years);
            let check = check_numbers(&issued(&numbers), &firsts);
            prop_assert!(check.findings.is_empty(), "{:?}", check.findings);
            for (register, year, first, count) in &years {
                prop_assert_eq!(check.next_due(&firsts, register, *year), first + count);
            }
        }

        #[test]
        fn a_number_taken_out_of_a_run_is_one_gap(
            years in register_years(),
            pick in any::<prop::sample::Index>(),
        ) {
            let numbers = numbers_of(&years);
            // Not the last of its year: a run cut short is whole as far
            // as it goes (the counter check sees the rest).
            let inner: Vec<usize> = (0..numbers.len())
                .filter(|&i| numbers.get(i + 1).is_some_and(|next| next.0 == numbers[i].0 && next.1 == numbers[i].1))
                .collect();
            prop_assume!(!inner.is_empty());
            let mut numbers = numbers;
            let removed = numbers.remove(inner[pick.index(inner.len())]);
            let check = check_numbers(&issued(&numbers), &firsts_of(&years));
            prop_assert_eq!(classes(&check), vec![(FindingClass::NumberGap, removed.2 + 1)]);
            prop_assert_eq!(&check.findings[0].register, &removed.0);
            prop_assert_eq!(check.findings[0].year, removed.1);
        }

        #[test]
        fn a_number_given_again_is_one_duplicate(
            years in register_years(),
            pick in any::<prop::sample::Index>(),
        ) {
            let mut numbers = numbers_of(&years);
            let again = numbers[pick.index(numbers.len())].clone();
            numbers.push(again.clone());
            let check = check_numbers(&issued(&numbers), &firsts_of(&years));
            prop_assert_eq!(classes(&check), vec![(FindingClass::DuplicateNumber, again.2)]);
            // The later event is the one found.
            prop_assert_eq!(check.findings[0].seq, numbers.len() as u64);
        }
    }
}
