//! Load-time passes over every record or paper, split over the cores
//! (rayon's pool). Each item's result depends on that item alone, and
//! results come back in item order, so nothing observable depends on timing.

use rayon::prelude::*;

/// Items per part below which another part costs more than it saves.
const MIN_PER_THREAD: usize = 2_000;

/// `f` applied to consecutive parts of `items`, on up to every core; the
/// results in order. Small inputs stay on this thread.
pub(crate) fn chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let cores = rayon::current_num_threads();
    chunks_on(items, cores.min(items.len() / MIN_PER_THREAD), f)
}

/// [`chunks`] in `parts` parts (at least one, even for no items).
pub(crate) fn chunks_on<T: Sync, R: Send>(
    items: &[T],
    parts: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let size = items.len().div_ceil(parts.max(1)).max(1);
    if items.len() <= size {
        return vec![f(items)];
    }
    items.par_chunks(size).map(&f).collect()
}

/// Text for every item in one string (one allocation, not one per item),
/// written on every core. `write` appends an item's text to the string it
/// is given and returns offsets into that string marking the item's parts;
/// they come back as offsets into the joined string.
pub(crate) fn joined_text<T: Sync, const K: usize>(
    items: &[T],
    write: impl Fn(&T, &mut String) -> [usize; K] + Sync,
) -> (String, Vec<[usize; K]>) {
    let parts = chunks(items, |part| {
        let mut text = String::new();
        let marks: Vec<[usize; K]> = part.iter().map(|item| write(item, &mut text)).collect();
        (text, marks)
    });
    let mut joined = String::with_capacity(parts.iter().map(|(text, _)| text.len()).sum());
    let mut marks = Vec::with_capacity(items.len());
    for (text, part) in parts {
        let at = joined.len();
        joined.push_str(&text);
        marks.extend(part.into_iter().map(|m| m.map(|offset| offset + at)));
    }
    (joined, marks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_back_in_order_for_any_number_of_parts() {
        let items: Vec<usize> = (0..103).collect();
        for n in [0, 1, 2, 3, 7, 103, 200] {
            let parts = chunks_on(&items, n, <[usize]>::to_vec);
            assert_eq!(parts.concat(), items, "{n} parts");
            assert!(parts.len() <= n.max(1));
        }
        assert_eq!(chunks_on(&[] as &[u8], 4, <[u8]>::len), [0]);
    }

    #[test]
    fn joined_text_marks_each_item_in_the_whole() {
        let items: Vec<String> = (0..5000).map(|i| format!("item{i}")).collect();
        let (text, marks) = joined_text(&items, |item, out| {
            let start = out.len();
            out.push_str(item);
            [start, out.len()]
        });
        assert_eq!(marks.len(), items.len());
        for (item, [a, b]) in items.iter().zip(&marks) {
            assert_eq!(&text[*a..*b], item);
        }
    }
}
