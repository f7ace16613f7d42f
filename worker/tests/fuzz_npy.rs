//! The `.npy` reader (`nbench_worker::npy::read`) on 10,000 generated inputs: files the writer
//! made, then truncated, bytes flipped or inserted, the header length or the shape replaced by
//! huge, negative or malformed values. It must never panic, never trust a shape that does not
//! match the bytes present (a header claiming 2^62 elements over no data is refused, with
//! nothing allocated for it), and whatever it accepts must be exactly what is there.

use nbench_worker::npy;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Shape(&'static str),
    HeaderLen(u16),
}

const SHAPES: &[&str] = &[
    "4611686018427387904",
    "18446744073709551615",
    "18446744073709551616",
    "-1",
    "0",
    "1e9",
    "NaN",
    "",
    "2, 3",
    "99999999999999999999999999",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        prop::sample::select(SHAPES).prop_map(Mutation::Shape),
        any::<u16>().prop_map(Mutation::HeaderLen),
    ]
}

fn apply(mut b: Vec<u8>, edits: &[Mutation]) -> Vec<u8> {
    for m in edits {
        match m {
            Mutation::Truncate(i) => b.truncate(i % (b.len() + 1)),
            Mutation::Flip(i, x) if !b.is_empty() => {
                let n = b.len();
                b[i % n] ^= x;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(i, bytes) => {
                let p = i % (b.len() + 1);
                b.splice(p..p, bytes.iter().copied());
            }
            Mutation::Shape(s) => {
                let key = b"'shape': (";
                let start = b.windows(key.len()).position(|w| w == key);
                if let Some(start) = start.map(|i| i + key.len())
                    && let Some(end) = b[start..].iter().position(|&c| c == b',')
                {
                    b.splice(start..start + end, s.bytes());
                }
            }
            Mutation::HeaderLen(n) if b.len() >= 10 => b[8..10].copy_from_slice(&n.to_le_bytes()),
            Mutation::HeaderLen(_) => {}
        }
    }
    b
}

fn valid() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(&["<f4", "<f8", "<u8", "|u1"][..]),
        0..64usize,
        any::<u8>(),
    )
        .prop_map(|(dtype, len, fill)| {
            let size = npy::item_size(dtype).expect("known dtype");
            let mut out = Vec::new();
            npy::write(&mut out, dtype, len, &vec![fill; len * size]).expect("write to memory");
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn npy_reader_never_panics_and_accepts_only_what_is_there(
        file in valid(),
        edits in prop::collection::vec(mutation(), 0..4),
    ) {
        let unchanged = edits.is_empty();
        let bytes = apply(file, &edits);
        match npy::read(&bytes) {
            Ok((dtype, len, data)) => {
                let size = npy::item_size(&dtype);
                prop_assert!(size.is_some(), "accepted an unknown dtype {}", dtype);
                prop_assert_eq!(Some(data.len()), size.and_then(|s| len.checked_mul(s)));
                prop_assert!(data.len() <= bytes.len());
            }
            Err(e) => prop_assert!(!unchanged, "a file the writer made was refused: {}", e),
        }
    }
}

#[test]
fn a_huge_shape_over_little_data_is_refused() {
    for shape in [
        "4611686018427387904",
        "2305843009213693952",
        "18446744073709551615",
    ] {
        let mut file = Vec::new();
        npy::write(&mut file, "<f8", 0, &[]).expect("write to memory");
        let at = file
            .windows(4)
            .position(|w| w == b"(0,)")
            .expect("shape in header");
        let mut bytes = file.clone();
        bytes.splice(at..at + 4, format!("({shape},)").into_bytes());
        // Keep the header length right so only the shape is wrong.
        let hlen = u16::try_from(bytes.len() - 10).expect("short header");
        bytes[8..10].copy_from_slice(&hlen.to_le_bytes());
        assert!(npy::read(&bytes).is_err(), "shape {shape} accepted");
    }
}
