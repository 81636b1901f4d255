//! `eksposture diff OLD.json NEW.json`.

use eksposture_report::{load_report, render_diff_json, render_diff_table, TableOptions};

use crate::args::{DiffArgs, DiffFormat};
use eksposture_audit::exit::{usage, Failure, Outcome};
use eksposture_audit::output;

pub fn diff(args: &DiffArgs) -> Result<Outcome, Failure> {
    let old = load_report(&args.old).map_err(usage)?;
    let new = load_report(&args.new).map_err(usage)?;
    let mut d = eksposture_report::diff(&old, &new)
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot compare {} with {}: {e}",
                args.old.display(),
                args.new.display()
            )
        })
        .map_err(usage)?;
    d.old_scan.file = Some(args.old.display().to_string());
    d.new_scan.file = Some(args.new.display().to_string());
    let text = match args.output {
        DiffFormat::Json => render_diff_json(&d),
        DiffFormat::Table => render_diff_table(
            &d,
            TableOptions {
                color: output::stdout_wants_color(),
                width: None,
            },
        ),
    };
    output::print(&text).map_err(usage)?;
    Ok(
        if args
            .fail_on
            .threshold()
            .is_some_and(|t| d.new_at_or_above(t))
        {
            Outcome::Failing
        } else {
            Outcome::Clean
        },
    )
}
