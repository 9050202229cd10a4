//! The command line: one file per subcommand, all over the same client and snapshot as the TUI.

pub mod brokers;
pub mod configs;
pub mod describe;
pub mod doctor;
pub mod elect;
pub mod group;
pub mod groups;
pub mod lag;
pub mod msk;
pub mod mutate;
pub mod output;
pub mod peek;
pub mod reassign;
pub mod reassign_exec;
pub mod throttles;
pub mod topic;
pub mod topics;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::config::{self, ConnectArgs};
use crate::kafka::{Client, KafkaError};
use output::Format;

#[derive(Parser, Debug)]
#[command(name = "kdeck", version, about = "Keyboard-driven console for Apache Kafka and AWS MSK")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Bootstrap servers, host:port[,host:port…]
    #[arg(short = 'b', long, env = "KDECK_BOOTSTRAP", global = true)]
    pub bootstrap: Option<String>,
    /// Kafka Java client .properties (security.protocol, sasl.*, ssl.* as PEM)
    #[arg(long, value_name = "FILE", global = true)]
    pub command_config: Option<PathBuf>,
    /// Client setting override, like kcat: -X security.protocol=SSL (repeatable)
    #[arg(short = 'X', value_name = "KEY=VALUE", global = true)]
    pub overrides: Vec<String>,
    /// Named cluster from config.toml
    #[arg(short = 'c', long, env = "KDECK_CLUSTER", global = true)]
    pub cluster: Option<String>,
    /// Config file (default: ~/.config/kdeck/config.toml, or $KDECK_CONFIG); before the
    /// subcommand, since `topic create --config k=v` takes topic configs
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table, global = true)]
    pub output: Format,
    /// Per-request timeout, e.g. 10s, 500ms
    #[arg(long, value_parser = parse_duration, global = true)]
    pub timeout: Option<Duration>,
    /// Refuse every mutating request (also: read_only = true in the cluster profile)
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Check mutations (with the broker's validate-only mode where it has one) without changing anything
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// AWS MSK cluster (name or ARN) to connect to; its bootstrap comes from the AWS API
    #[arg(long, value_name = "CLUSTER", global = true)]
    pub msk: Option<String>,
    /// Which of the MSK cluster's authentications (default: iam, then tls, plaintext, scram)
    #[arg(long, value_enum, global = true)]
    pub auth: Option<crate::config::msk::MskAuth>,
    /// AWS region for MSK (default: AWS_REGION, the AWS profile's region)
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// AWS profile for MSK discovery and IAM (default: AWS_PROFILE, else "default")
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Dial another address for an advertised broker (ssh -L tunnels): ADVERTISED_HOST:PORT=HOST:PORT,…
    /// TLS still checks the certificate against the advertised name
    #[arg(long, value_name = "MAP", global = true)]
    pub broker_map: Option<String>,
    /// Every connection through this SOCKS5 proxy (ssh -D), names resolved on the proxy's side
    #[arg(long, value_name = "HOST:PORT", global = true)]
    pub socks5: Option<String>,
    /// Console: how often to refresh, e.g. 5s
    #[arg(long, value_parser = parse_duration, default_value = "5s", global = true)]
    pub refresh: Duration,
    /// Console: no colours (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// After the command, print to stderr the requests and bytes sent, by API and by broker (JSON
    /// with -o json; stdout stays as it is). The console also prints each refresh's time and
    /// requests, the frames' draw times, the time to the first screen and its memory at exit
    #[arg(long, global = true)]
    pub stats: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Brokers with rack, controller and load
    Brokers,
    /// Topics with partitions, RF, under-replicated/offline counts and messages
    Topics {
        /// Include internal topics (__consumer_offsets, …)
        #[arg(long)]
        internal: bool,
    },
    /// One topic's partitions: leader, replicas, ISR, offsets (--all: every topic's)
    Describe {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        topic: Option<String>,
        /// Every topic, internal ones included (like kafka-topics --describe)
        #[arg(long)]
        all: bool,
    },
    /// Consumer groups with state, members and total lag
    Groups,
    /// Per-partition and total lag of a group (or of all groups)
    Lag {
        group: Option<String>,
        #[arg(long)]
        all: bool,
        /// Also how far behind in time: the age of the next message the group reads on each
        /// lagging partition (one small read per partition), and the maximum
        #[arg(long, requires = "group")]
        time: bool,
    },
    /// Reset a group's offsets, delete a group or its offsets, export its offsets, peek where it is stuck
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Whole messages of a partition: the newest, or from an offset or a time (no group joined)
    Peek {
        topic: String,
        #[arg(short, long)]
        partition: i32,
        /// From this offset
        #[arg(long, conflicts_with_all = ["from_time", "last"])]
        offset: Option<i64>,
        /// From the first message at or after this time: 2026-11-29T03:00:00Z
        #[arg(long, value_name = "DATETIME", conflicts_with = "last")]
        from_time: Option<String>,
        /// The newest N messages (the default, with N = --count)
        #[arg(long, value_name = "N")]
        last: Option<usize>,
        /// How many messages at most
        #[arg(short = 'n', long, default_value_t = 10)]
        count: usize,
    },
    /// Create, delete and grow topics
    #[command(subcommand)]
    Topic(topic::TopicCommand),
    /// View and change topic and broker configs
    #[command(subcommand)]
    Config(configs::ConfigCommand),
    /// Plan, execute, follow, verify and cancel partition reassignments
    #[command(subcommand)]
    Reassign(reassign::ReassignCommand),
    /// Replication throttles: list them (and what needs them), clear leftovers
    #[command(subcommand)]
    Throttles(throttles::ThrottlesCommand),
    /// Elect leaders: the preferred replica of each partition (or unclean, typed out)
    ElectLeaders {
        /// Topics (comma-separated)
        #[arg(long, value_delimiter = ',', required_unless_present = "all", conflicts_with = "all")]
        topics: Vec<String>,
        /// Every partition of every topic
        #[arg(long)]
        all: bool,
        #[arg(long = "type", value_enum, default_value_t = elect::ElectionArg::Preferred)]
        kind: elect::ElectionArg,
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// AWS MSK: list the region's clusters, show a cluster's bootstrap strings
    #[command(subcommand)]
    Msk(msk::MskCommand),
    /// Why a connection fails: DNS, TCP, TLS, ApiVersions, SASL, Metadata for the bootstrap
    /// servers and every advertised broker, with a verdict (exit 0 only if all pass)
    Doctor,
    /// Local 3-broker cluster + sample topics + moving load + the console
    Demo {
        /// Messages per second the demo producer writes
        #[arg(long, default_value_t = 20)]
        rate: u32,
    },
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len()));
    let n: f64 = num.parse().map_err(|_| format!("{s:?} is not a duration (e.g. 10s, 500ms, 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use ms, s or m)")),
    };
    if secs <= 0.0 {
        return Err(format!("{s:?}: must be positive"));
    }
    Ok(Duration::from_secs_f64(secs))
}

impl Global {
    pub fn connect_args(&self) -> ConnectArgs {
        ConnectArgs {
            bootstrap: self.bootstrap.clone(),
            command_config: self.command_config.clone(),
            overrides: self.overrides.clone(),
            cluster: self.cluster.clone(),
            config_file: self.config.clone(),
            timeout: self.timeout,
            msk: self.msk.clone(),
            auth: self.auth,
            aws: crate::config::msk::AwsOptions {
                region: self.region.clone(),
                profile: self.profile.clone(),
                timeout: None,
            },
            broker_map: self.broker_map.clone(),
            socks5: self.socks5.clone(),
        }
    }
}

/// The console on the cluster the options name; again on the MSK cluster picked with `:msk`.
pub async fn run_tui(global: &Global) -> anyhow::Result<()> {
    let mut args = global.connect_args();
    loop {
        let resolved = config::resolve(&args).await?;
        let read_only = global.read_only || resolved.read_only;
        match console(global, resolved.name.clone(), resolved.client, read_only).await? {
            None => return Ok(()),
            Some(cluster) => {
                // the picked cluster's bootstrap replaces the one given; settings (-X, the
                // profile's CA or credentials) and --auth stay
                args.msk = Some(cluster);
                args.bootstrap = None;
            }
        }
    }
}

/// Runs the console; returns the MSK cluster the user picked to switch to, if any.
async fn console(
    global: &Global,
    name: String,
    cfg: crate::kafka::ClientConfig,
    read_only: bool,
) -> anyhow::Result<Option<String>> {
    use std::sync::Arc;
    let data = crate::data::DataConfig::from_client(&cfg).map_err(anyhow::Error::msg)?;
    let deadline = crate::tui::backend::refresh_deadline(cfg.request_timeout);
    // Connect before taking over the screen, so a wrong address is an ordinary error message,
    // with the doctor's steps when it is a connection problem.
    let header_name = match cfg.route.badge() {
        Some(badge) => format!("{name} {badge}"),
        None => name.clone(),
    };
    let client = match Client::connect(cfg.clone()).await {
        Ok(c) => c,
        Err(e)
            if e.is_connection()
                || matches!(e, KafkaError::Bootstrap(_) | KafkaError::Tls { .. } | KafkaError::Auth { .. }) =>
        {
            return Err(doctor::with_report(&cfg, e.into()).await)
        }
        Err(e) => return Err(e.into()),
    };
    // the same context the CLI's mutating commands build: one guard, one audit log
    let ops = crate::ops::Context::new(name.clone(), read_only, global.dry_run);
    let aws = config::msk::AwsOptions {
        region: global.region.clone(),
        profile: global.profile.clone(),
        timeout: Some(deadline),
    };
    let refresh_requests = crate::kafka::RequestStats::default();
    let backend = Arc::new(crate::tui::backend::KafkaBackend {
        client,
        data,
        ops,
        aws,
        refresh_requests: refresh_requests.clone(),
    });
    let settings = crate::tui::app::Settings {
        cluster_name: header_name,
        read_only,
        dry_run: global.dry_run,
        refresh_every: global.refresh,
    };
    let no_color = global.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let stats = cfg.stats.clone();
    let exit = crate::tui::run(backend, crate::tui::Options { settings, no_color, deadline }).await?;
    if global.stats {
        print_console_stats(&exit.perf, &refresh_requests.report(), &stats.report(), global.output);
    }
    Ok(exit.switch_to)
}

/// `--stats` after the console: its own costs, the requests of its refreshes (all of them
/// together: divide by the refresh count) and those of the whole session.
fn print_console_stats(
    perf: &crate::tui::perf::Perf,
    refreshes: &crate::kafka::StatsReport,
    session: &crate::kafka::StatsReport,
    format: Format,
) {
    match format {
        Format::Json => eprintln!(
            "{}",
            serde_json::json!({ "console": perf.to_json(), "refresh_requests": refreshes.to_json(), "stats": session.to_json() })
        ),
        Format::Table => eprint!(
            "{}\nrequests of the {} refreshes:\n{}\nrequests sent in the session:\n{}",
            perf.to_table(),
            perf.refresh_load.count,
            refreshes.to_table(),
            session.to_table()
        ),
    }
}

/// `kdeck demo`.
pub async fn run_demo(global: &Global, rate: u32) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(crate::demo::start_cluster).await??;
    crate::demo::create_topics().await?;
    let load = crate::demo::start_load(rate)?;
    let cfg = config::Settings::default().client_config(Some(crate::demo::BOOTSTRAP))?;
    let result = console(global, "demo".into(), cfg, global.read_only).await.map(|_| ());
    drop(load);
    eprintln!("kdeck demo: load stopped. The cluster keeps running; stop it with scripts/kafka-cluster.sh down");
    result
}

/// `--stats`: the requests a command made, on stderr so stdout (a table or JSON a script reads)
/// stays as it is.
pub fn print_stats(report: &crate::kafka::StatsReport, format: Format) {
    match format {
        Format::Json => eprintln!("{}", serde_json::json!({ "stats": report.to_json() })),
        Format::Table => eprint!("\nrequests sent (--stats):\n{}", report.to_table()),
    }
}

/// Runs one subcommand and returns what to print.
pub async fn run(global: &Global, command: &Command) -> anyhow::Result<String> {
    if let Command::Msk(cmd) = command {
        // the AWS API only: no Kafka connection to resolve
        return msk::run(global, cmd).await;
    }
    let resolved = config::resolve(&global.connect_args()).await?;
    // mutating commands connect themselves: read-only refuses before any connection
    let f = global.output;
    let result = run_command(global, &resolved, command, f).await;
    if global.stats {
        print_stats(&resolved.client.stats.report(), f);
    }
    match (result, command) {
        (Err(e), Command::Doctor | Command::Demo { .. }) => Err(e),
        (Err(e), _) => Err(doctor::explain_failure(&resolved.client, e).await),
        (ok, _) => ok,
    }
}

async fn run_command(
    global: &Global,
    resolved: &config::Resolved,
    command: &Command,
    f: Format,
) -> anyhow::Result<String> {
    let connect = || Client::connect(resolved.client.clone());
    match command {
        Command::Doctor => doctor::run(&resolved.client, f).await,
        Command::Brokers => brokers::run(&connect().await?, f).await,
        Command::Topics { internal } => topics::run(&connect().await?, f, *internal).await,
        Command::Describe { topic, all: _ } => describe::run(&connect().await?, f, topic.as_deref()).await,
        Command::Groups => groups::run(&connect().await?, f).await,
        Command::Lag { group, all, time } => lag::run(&connect().await?, f, group.as_deref(), *all, *time).await,
        Command::Group(cmd) => group::run(global, resolved, cmd).await,
        Command::Peek { topic, partition, offset, from_time, last, count } => {
            let start = peek::start(*offset, from_time.as_deref(), *last, *count)?;
            peek::run(&resolved.client, f, topic, *partition, start, *count).await
        }
        Command::Topic(cmd) => topic::run(global, resolved, cmd).await,
        Command::Config(cmd) => configs::run(global, resolved, cmd).await,
        Command::Reassign(cmd) => reassign::run(global, resolved, cmd).await,
        Command::Throttles(cmd) => throttles::run(global, resolved, cmd).await,
        Command::ElectLeaders { topics, kind, yes, .. } => elect::run(global, resolved, topics, *kind, *yes).await,
        Command::Msk(cmd) => msk::run(global, cmd).await,
        Command::Demo { rate } => run_demo(global, *rate).await.map(|_| String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("kdeck").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn mutating_commands_parse() {
        let c = parse(&[
            "--config",
            "c.toml",
            "topic",
            "create",
            "t",
            "--partitions",
            "3",
            "--replication-factor",
            "3",
            "--config",
            "retention.ms=1",
        ]);
        assert_eq!(c.global.config, Some(PathBuf::from("c.toml")));
        assert!(
            matches!(c.command, Some(Command::Topic(topic::TopicCommand::Create { ref configs, yes: false, .. })) if configs == &["retention.ms=1"])
        );
        let c = parse(&["topic", "delete", "t", "--yes", "--read-only", "--dry-run", "-X", "a=b"]);
        assert!(c.global.read_only && c.global.dry_run && c.global.overrides == ["a=b"]);
        assert!(matches!(c.command, Some(Command::Topic(topic::TopicCommand::Delete { yes: true, .. }))));
        assert!(matches!(
            parse(&["topic", "add-partitions", "t", "--to", "6"]).command,
            Some(Command::Topic(topic::TopicCommand::AddPartitions { to: 6, .. }))
        ));
        let c = parse(&["config", "get", "broker", "1", "--overrides", "-o", "json"]);
        assert!(matches!(c.command, Some(Command::Config(configs::ConfigCommand::Get { only_overrides: true, .. }))));
        assert!(
            matches!(parse(&["config", "set", "topic", "t", "a=1", "b=2"]).command, Some(Command::Config(configs::ConfigCommand::Set { ref pairs, .. })) if pairs.len() == 2)
        );
        assert!(matches!(
            parse(&["config", "delete", "topic", "t", "a"]).command,
            Some(Command::Config(configs::ConfigCommand::Delete { .. }))
        ));
        assert!(Cli::try_parse_from(["kdeck", "config", "set", "topic", "t"]).is_err(), "set needs at least one pair");
        assert!(matches!(
            parse(&["topic", "create", "t", "--replica-assignment", "1:2,2:3"]).command,
            Some(Command::Topic(topic::TopicCommand::Create {
                partitions: None,
                replication_factor: None,
                replica_assignment: Some(_),
                ..
            }))
        ));
        assert!(Cli::try_parse_from(["kdeck", "topic", "create", "t", "--partitions", "3"]).is_err(), "RF is required");
        assert!(Cli::try_parse_from([
            "kdeck",
            "topic",
            "create",
            "t",
            "--partitions",
            "3",
            "--replica-assignment",
            "1"
        ])
        .is_err());
        assert_eq!(topic::parse_assignment("1:2:3, 2:3:1").expect("parse"), vec![vec![1, 2, 3], vec![2, 3, 1]]);
        assert!(topic::parse_assignment("1:x").is_err());
    }
}
