//! One report, every format asked for with `--output`, each to stdout, to
//! `--output-file` or into `--output-dir`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use eksposture_model::Inventory;
use eksposture_report::asff::AsffOptions;
use eksposture_report::{
    render_csv, render_html, render_json, render_table, render_table_with, Report, TableOptions,
};

use crate::output;
use eksposture_model::text::count;

/// Table width when the report goes to a file.
const FILE_TABLE_WIDTH: u16 = 120;

/// What a renderer may draw on.
pub struct RenderContext<'a> {
    pub report: &'a Report,
    /// Every scanned account's inventory (one unless the scan covered several).
    pub inventories: &'a [Inventory],
    /// For `--output asff`; `None` when the scan names no region to put
    /// global findings in.
    pub asff: Option<AsffOptions<'a>>,
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Table,
    Json,
    Asff,
    Csv,
    /// One self-contained HTML page (no network fetches).
    Html,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Asff,
        Format::Csv,
        Format::Html,
    ];

    /// The name users give it (`--output`, `EKSPOSTURE_OUTPUT`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Asff => "asff",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }

    /// The format of a name, case-insensitively.
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The file a format is written to inside `--output-dir`.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Table => "eksposture.txt",
            Format::Json => "eksposture.json",
            Format::Asff => "eksposture.asff.json",
            Format::Csv => "eksposture.csv",
            Format::Html => "eksposture.html",
        }
    }

    fn render(self, ctx: &RenderContext<'_>, destination: &Destination) -> Result<String> {
        let report = ctx.report;
        Ok(match self {
            Format::Table => match destination {
                Destination::Stdout => render_table(report, output::stdout_wants_color()),
                Destination::File(_) => render_table_with(
                    report,
                    TableOptions {
                        color: false,
                        width: Some(FILE_TABLE_WIDTH),
                    },
                ),
            },
            Format::Json => render_json(report),
            Format::Asff => {
                let Some(options) = &ctx.asff else {
                    bail!("--output asff needs a region for global (IAM) findings, and the scan names none");
                };
                eksposture_report::asff::render_asff(&asff_findings(ctx, options))
            }
            Format::Csv => render_csv(report),
            Format::Html => render_html(report),
        })
    }
}

/// Each account's findings as ASFF, in its own account and with its own
/// first region as the home of its global findings.
pub fn asff_findings(
    ctx: &RenderContext<'_>,
    options: &AsffOptions<'_>,
) -> Vec<eksposture_model::asff::AsffFinding> {
    ctx.inventories
        .iter()
        .flat_map(|inventory| {
            eksposture_report::asff::findings(
                &ctx.report.for_account(inventory),
                inventory,
                &account_asff(inventory, options),
            )
        })
        .collect()
}

/// The ASFF options of one account's findings: its own first region is
/// the home of its global (IAM) findings.
pub fn account_asff<'a>(inventory: &'a Inventory, options: &AsffOptions<'a>) -> AsffOptions<'a> {
    AsffOptions {
        home_region: inventory
            .scan
            .regions
            .first()
            .map_or(options.home_region, String::as_str),
        ..*options
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

/// One format and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub format: Format,
    pub destination: Destination,
}

/// Decides, before any scan, where each format goes, and fails early when
/// that cannot work: several formats with nowhere to put them, or a path
/// that cannot be written. `--output-dir` is created if missing.
pub fn plan(formats: &[Format], file: Option<&Path>, dir: Option<&Path>) -> Result<Vec<Target>> {
    let mut formats = formats.to_vec();
    formats.sort_unstable();
    formats.dedup();
    if formats.is_empty() {
        formats.push(Format::Table);
    }
    let target = |format, destination| Target {
        format,
        destination,
    };
    match (file, dir) {
        (Some(_), Some(_)) => bail!("--output-file and --output-dir cannot be used together"),
        (Some(path), None) => {
            if formats.len() > 1 {
                bail!(
                    "--output-file takes one format, but --output names {}; use --output-dir DIR to write several",
                    formats.len()
                );
            }
            let destination = if output::is_stdout(path) {
                Destination::Stdout
            } else {
                output::check_writable(path)?;
                Destination::File(path.to_path_buf())
            };
            Ok(vec![target(formats[0], destination)])
        }
        (None, Some(dir)) => {
            if dir.exists() && !dir.is_dir() {
                bail!("cannot write into {}: it is not a directory", dir.display());
            }
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create output directory {}", dir.display()))?;
            formats
                .into_iter()
                .map(|f| {
                    let path = dir.join(f.file_name());
                    output::check_writable(&path)?;
                    Ok(target(f, Destination::File(path)))
                })
                .collect()
        }
        (None, None) => {
            if formats.len() > 1 {
                bail!(
                    "--output names {} formats but only one can go to stdout; add --output-dir DIR",
                    formats.len()
                );
            }
            Ok(vec![target(formats[0], Destination::Stdout)])
        }
    }
}

/// Renders and writes every target; files are replaced atomically.
pub fn write(targets: &[Target], ctx: &RenderContext<'_>) -> Result<()> {
    for t in targets {
        let text = t.format.render(ctx, &t.destination)?;
        match &t.destination {
            Destination::Stdout => output::print(&text)?,
            Destination::File(path) => {
                output::write_atomic(path, text.as_bytes())?;
                if output::stderr_is_terminal() {
                    let s = &ctx.report.summary;
                    eprintln!(
                        "eksposture: wrote {} ({} failing, {} unknown, {})",
                        path.display(),
                        s.fail,
                        s.unknown,
                        count(ctx.report.gaps.len(), "gap", "gaps"),
                    );
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(formats: &[Format], file: Option<&str>, dir: Option<&Path>) -> String {
        format!("{:#}", plan(formats, file.map(Path::new), dir).unwrap_err())
    }

    #[test]
    fn one_format_goes_to_stdout() {
        let t = plan(&[Format::Json], None, None).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].destination, Destination::Stdout);
    }

    #[test]
    fn several_formats_need_a_directory() {
        let e = err(&[Format::Table, Format::Json], None, None);
        assert!(e.contains("add --output-dir DIR"), "{e}");
        let e = err(&[Format::Table, Format::Json], Some("r.json"), None);
        assert!(e.contains("--output-file takes one format"), "{e}");
    }

    #[test]
    fn repeated_formats_count_once() {
        let t = plan(&[Format::Json, Format::Json], None, None).unwrap();
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn the_directory_is_created_and_holds_one_file_per_format() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("reports").join("today");
        let t = plan(
            &[Format::Html, Format::Csv, Format::Table, Format::Json],
            None,
            Some(&dir),
        )
        .unwrap();
        assert!(dir.is_dir());
        let names: Vec<_> = t
            .iter()
            .map(|t| match &t.destination {
                Destination::File(p) => p.strip_prefix(&dir).unwrap().display().to_string(),
                Destination::Stdout => panic!("stdout"),
            })
            .collect();
        assert_eq!(
            names,
            [
                "eksposture.txt",
                "eksposture.json",
                "eksposture.csv",
                "eksposture.html"
            ]
        );
    }

    #[test]
    fn a_file_is_not_a_directory() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let e = err(&[Format::Json], None, Some(tmp.path()));
        assert!(e.contains("it is not a directory"), "{e}");
    }
}
