//! Loading a saved report (`eksposture diff`, `audit --baseline`).

/// Feeds `data` through `eksposture_report::parse_report`; panics only on a
/// bug. A report that loads must survive a JSON round trip.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match eksposture_report::parse_report("fuzz.json", text) {
        Ok(report) => {
            let json = eksposture_report::render_json(&report);
            if let Err(e) = eksposture_report::parse_report("round-trip.json", &json) {
                panic!("a loaded report does not load again after render_json: {e}");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
