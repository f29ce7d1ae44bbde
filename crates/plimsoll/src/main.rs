//! The `plimsoll` command line: arguments, configuration, output and exit
//! codes. The work itself happens in the library crates.

mod config;
mod dockerfile_cmd;
mod docs;
mod policy;
mod progress;
mod sbom_cmd;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Exit code: the gate passed (no finding at or above `--fail-on`).
pub const EXIT_PASS: u8 = 0;
/// Exit code: the gate failed.
pub const EXIT_GATE: u8 = 1;
/// Exit code: bad usage or unreadable input.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: internal error (a bug: please report it).
pub const EXIT_INTERNAL: u8 = 3;

const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("PLIMSOLL_GIT_COMMIT"),
    ")"
);

/// `--version` with the build's gzip decoder (ISA-L or zlib-rs), which
/// decides how fast gzip layers are read.
fn long_version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| format!("{VERSION}\ngzip layers: {}", plimsoll_image::inflater()))
}

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  passed: no finding at or above the --fail-on threshold
  1  gate failed: at least one finding at or above the threshold
  2  bad usage, bad configuration or unreadable input
  3  internal error (a bug in Plimsoll: please report it)";

#[derive(Parser, Debug)]
#[command(
    name = "plimsoll",
    version = VERSION,
    long_version = long_version(),
    about = "Plimsoll: the check a container must pass before it ships",
    long_about = "Plimsoll audits what goes into containers: Dockerfiles, against security and \
                  hygiene rules that cover hadolint, the CIS Docker Benchmark section 4, Dockle \
                  and Trivy's Dockerfile checks; and images, whose every package it inventories \
                  (SBOM in CycloneDX or SPDX).",
    after_help = EXIT_CODES_HELP,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Audit Dockerfiles and Containerfiles
    #[command(after_long_help = DOCKERFILE_EXAMPLES)]
    Dockerfile(DockerfileArgs),
    /// Inventory every package of an image, root filesystem or SBOM (software bill of materials)
    #[command(after_long_help = SBOM_EXAMPLES)]
    Sbom(SbomArgs),
    /// List every rule with its severity and equivalents in other tools
    Rules(RulesArgs),
    /// Show a rule's documentation (by id, name or hadolint id)
    Explain {
        /// Rule id (PL-DF-101), name (from-untagged) or hadolint id (DL3006)
        rule: String,
    },
}

const DOCKERFILE_EXAMPLES: &str = "\
Examples:
  plimsoll dockerfile Dockerfile
  plimsoll dockerfile .                          # every Dockerfile/Containerfile below .
  plimsoll dockerfile -f sarif -o results.sarif src/
  plimsoll dockerfile -f table -f junit=junit.xml -f sarif=plimsoll.sarif .
  plimsoll dockerfile --fail-on medium --ignore DL3008 --ignore PL-DF-102 Dockerfile
  cat Dockerfile | plimsoll dockerfile -

Inline suppression (line above an instruction, or file-wide):
  # plimsoll ignore=PL-DF-401,from-latest  reason...
  # plimsoll ignore-file=PL-DF-102  reason...
  (hadolint's `# hadolint ignore=DL3008` pragmas are honoured too)

Configuration: plimsoll.toml (searched upward from the working directory, or --config);
environment: PLIMSOLL_FAIL_ON, PLIMSOLL_FORMAT, PLIMSOLL_TRUSTED_REGISTRIES, PLIMSOLL_DISABLE,
PLIMSOLL_CONFIG, NO_COLOR.

Exit codes:
  0  passed: no finding at or above the --fail-on threshold
  1  gate failed: at least one finding at or above the threshold
  2  bad usage, bad configuration or unreadable input
  3  internal error (a bug in Plimsoll: please report it)";

const SBOM_EXAMPLES: &str = "\
Targets (the containers-transports convention):
  oci:DIR[:REF]                 an OCI image layout (REF: org.opencontainers.image.ref.name)
  oci-archive:FILE[:REF]        a tar of an OCI layout
  docker-archive:FILE[:NAME:TAG] what `docker save` writes
  docker:NAME[:TAG] | docker:ID an image in the local Docker Engine (DOCKER_HOST, default
                                unix:///var/run/docker.sock), streamed from it, never saved to disk
  NAME[:TAG]                    the same, when the local Docker Engine has the image
  dir:PATH | fs:PATH            an unpacked root filesystem
  sbom:FILE                     a CycloneDX or SPDX JSON document read back
  registry:REF | REF            an image in a registry (REF: [HOST[:PORT]/]NAME[:TAG][@sha256:…]);
                                credentials from ~/.docker/config.json (auths, credHelpers,
                                credsStore), --auth-file, or PLIMSOLL_REGISTRY_USERNAME/_PASSWORD;
                                TLS: the system CAs plus /etc/docker/certs.d/HOST (or --cert-dir):
                                *.crt CAs, NAME.cert + NAME.key a client certificate (mutual TLS)

Examples:
  plimsoll sbom oci:../shared/data/images/oci:multilayer
  plimsoll sbom docker:debian:12
  plimsoll sbom -f cyclonedx-json -o sbom.cdx.json docker-archive:image.tar
  plimsoll sbom -f spdx-json dir:/srv/rootfs
  plimsoll sbom -f table sbom:sbom.cdx.json
  plimsoll sbom --platform linux/arm64 registry:ghcr.io/org/app:1.2
  plimsoll sbom --insecure registry.internal:5000/team/app@sha256:…

Formats: table (default at a terminal), json (Plimsoll's own, the default otherwise),
cyclonedx-json (CycloneDX 1.6), spdx-json (SPDX 2.3).
Layer results are cached by diff_id under --cache-dir (default: $XDG_CACHE_HOME/plimsoll or
~/.cache/plimsoll), so images sharing base layers are read once; an image of the Docker Engine
whose config and layers are all cached is not even exported.

Exit codes:
  0  the SBOM was written
  2  bad usage or an unreadable target (the message names the file, layer or entry)
  3  internal error (a bug in Plimsoll: please report it)";

#[derive(Args, Debug)]
pub struct SbomArgs {
    /// The image, root filesystem or SBOM document (see the targets below)
    #[arg(value_name = "TARGET")]
    pub target: String,

    /// table, json, cyclonedx-json or spdx-json
    #[arg(short = 'f', long = "format", env = "PLIMSOLL_SBOM_FORMAT")]
    pub format: Option<String>,

    /// Write the SBOM to FILE (default format then: cyclonedx-json)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Platform to pick from a multi-platform image: os/arch[/variant] [default: the host's]
    #[arg(long = "platform", value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,

    /// Where per-layer results are cached
    #[arg(long = "cache-dir", value_name = "DIR", env = "PLIMSOLL_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Registries: allow plain HTTP and unverified TLS (loopback registries may always use HTTP)
    #[arg(long = "insecure", env = "PLIMSOLL_INSECURE")]
    pub insecure: bool,

    /// Registries: read credentials from this Docker/containers auth file
    #[arg(long = "auth-file", value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    pub auth_file: Option<PathBuf>,

    /// Registries: TLS files to use (*.crt CAs, NAME.cert + NAME.key client certificate)
    /// instead of /etc/docker/certs.d/HOST, /etc/containers/certs.d/HOST and
    /// ~/.config/containers/certs.d/HOST
    #[arg(long = "cert-dir", value_name = "DIR", env = "PLIMSOLL_CERT_DIR")]
    pub cert_dir: Option<PathBuf>,

    /// Read every layer, ignoring and not writing the cache
    #[arg(long = "no-cache")]
    pub no_cache: bool,

    /// Never use colors (also: NO_COLOR=1)
    #[arg(long = "no-color")]
    pub no_color: bool,
}

#[derive(Args, Debug)]
pub struct DockerfileArgs {
    /// Files or directories (searched recursively for Dockerfile, Containerfile,
    /// Dockerfile.*, *.Dockerfile, *.dockerfile); `-` reads standard input
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,

    /// Registries FROM may use (repeatable; enables the trusted-registry rule)
    #[arg(long = "trusted-registry", value_name = "HOST")]
    pub trusted_registries: Vec<String>,

    /// Build argument value used when expanding ARGs in FROM (repeatable)
    #[arg(long = "build-arg", value_name = "NAME=VALUE")]
    pub build_args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Output format, optionally with its own file: table, json, sarif, junit,
    /// markdown, github (repeatable: `-f table -f sarif=out.sarif`)
    #[arg(
        short = 'f',
        long = "format",
        value_name = "FORMAT[=FILE]",
        env = "PLIMSOLL_FORMAT",
        value_delimiter = ','
    )]
    pub formats: Vec<String>,

    /// Write the (single) stdout format to FILE instead
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Fail (exit 1) when a finding is at least this severe:
    /// critical, high, medium, low, info, or never [default: high]
    #[arg(long = "fail-on", value_name = "SEVERITY")]
    pub fail_on: Option<String>,

    /// Do not report this rule (id, name or hadolint id; repeatable)
    #[arg(long = "ignore", value_name = "RULE")]
    pub ignore: Vec<String>,

    /// Configuration file [default: plimsoll.toml found upward]
    #[arg(long = "config", value_name = "FILE", env = "PLIMSOLL_CONFIG")]
    pub config: Option<PathBuf>,

    /// Never use colors (also: NO_COLOR=1)
    #[arg(long = "no-color")]
    pub no_color: bool,
}

#[derive(Args, Debug)]
struct RulesArgs {
    /// table, json or markdown
    #[arg(short = 'f', long = "format", default_value = "table")]
    format: String,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_PASS
            });
        }
    };
    let result = std::panic::catch_unwind(|| run(cli));
    match result {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(_) => {
            eprintln!(
                "error: internal error (this is a bug in Plimsoll; please report it with the input that caused it)"
            );
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Dockerfile(args) => dockerfile_cmd::run(args),
        Command::Sbom(args) => sbom_cmd::run(args),
        Command::Rules(args) => {
            let out = match args.format.as_str() {
                "table" => docs::rules_table(color_for_stdout(false)),
                "json" => docs::rules_json()?,
                "markdown" | "md" => docs::rules_markdown(),
                other => anyhow::bail!(
                    "unknown format {other:?} for `plimsoll rules`: use table, json or markdown"
                ),
            };
            write_stdout(&out)?;
            Ok(EXIT_PASS)
        }
        Command::Explain { rule } => match docs::explain(&rule) {
            Some(text) => {
                write_stdout(&text)?;
                Ok(EXIT_PASS)
            }
            None => {
                eprintln!(
                    "error: no rule {rule:?}; `plimsoll rules` lists them (ids like PL-DF-101, names like from-untagged, or hadolint ids like DL3006)"
                );
                Ok(EXIT_USAGE)
            }
        },
    }
}

/// Colors on stdout: only to a terminal, never with NO_COLOR or --no-color.
pub fn color_for_stdout(no_color: bool) -> bool {
    !no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal()
}

pub fn write_stdout(s: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}
