//! Property tests for the parsers: no panic on arbitrary input, and
//! round trips that must hold.

use preflight::load::{self, LoadOptions};
use preflight::model::{self, parse_proxies};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn loading_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = load::load_bytes("fuzz.csv", &bytes, &LoadOptions::default());
    }

    #[test]
    fn loading_csv_like_text_never_panics(text in "[a-zA-Z@.,;\"\\r\\n\\t| =#:]{0,400}") {
        let _ = load::load_bytes("fuzz.csv", text.as_bytes(), &LoadOptions::default());
        let with_header = format!("login,email,status\n{text}");
        let _ = load::load_bytes("fuzz.csv", with_header.as_bytes(), &LoadOptions::default());
    }

    #[test]
    fn address_functions_never_panic(s in "\\PC{0,64}") {
        let _ = model::address_problem(&s);
        let _ = model::is_dotnet_type_name(&s);
        let _ = parse_proxies(&s);
        let k = model::key(&s);
        prop_assert_eq!(model::key(&k), k.clone());
    }

    /// A parsed list, joined again with any of the separators exports use,
    /// parses to the same list.
    #[test]
    fn proxy_lists_round_trip(
        entries in proptest::collection::vec(("[a-z0-9]{1,8}(\\+[a-z]{1,4})?", "[a-z]{1,8}\\.(com|co\\.uk)", any::<bool>()), 1..6),
        sep in prop_oneof![Just(";"), Just("+"), Just(","), Just(" "), Just("\r\n")],
    ) {
        let cell: Vec<String> = entries
            .iter()
            .map(|(local, domain, primary)| format!("{}:{local}@{domain}", if *primary { "SMTP" } else { "smtp" }))
            .collect();
        let first = parse_proxies(&cell.join(sep));
        let rejoined: Vec<String> = first
            .iter()
            .map(|p| format!("{}:{}", if p.primary { "SMTP" } else { "smtp" }, p.address))
            .collect();
        let second = parse_proxies(&rejoined.join(sep));
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(first.len(), entries.len());
    }
}
